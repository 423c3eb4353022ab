/**
 * The fault-injection proxy: see docs/reliability.md. `FaultProxy` sits in front of one
 * server; a `FaultScenario` decides, from a seed, which requests get which fault.
 */
export { FaultProxy, type FaultProxyOptions } from './proxy'
export {
  FAULT_KINDS,
  FaultScenario,
  type Fault,
  type FaultKind,
  type InjectedFault,
  type RequestInfo,
  type ScenarioOptions,
} from './scenario'
export { between, mulberry32, pick, seedFrom, weighted, type Random } from './prng'
