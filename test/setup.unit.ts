import 'fake-indexeddb/auto'
import { statusChecks } from '../src/core/status/status-machine'

// Every status change the engine makes must be one the state machine's table allows.
statusChecks.strict = true
