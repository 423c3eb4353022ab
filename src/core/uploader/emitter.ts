/** A typed event emitter whose `on` returns its `off`. */
export interface Emitter<Events extends object> {
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void
  emit<K extends keyof Events>(event: K, payload: Events[K]): void
  clear(): void
}

export function createEmitter<Events extends object>(
  onHandlerError: (error: unknown) => void = () => {},
): Emitter<Events> {
  const handlers = new Map<keyof Events, Set<(payload: never) => void>>()
  return {
    on(event, handler) {
      let set = handlers.get(event)
      if (!set) handlers.set(event, (set = new Set()))
      set.add(handler)
      return () => {
        set.delete(handler)
      }
    },
    emit(event, payload) {
      const set = handlers.get(event)
      if (!set) return
      // A throwing listener must not break the upload or the other listeners.
      for (const handler of [...set]) {
        try {
          ;(handler as (p: typeof payload) => void)(payload)
        } catch (error) {
          onHandlerError(error)
        }
      }
    },
    clear() {
      handlers.clear()
    },
  }
}
