/**
 * Resolves on a later macrotask, so the browser can paint and handle input in between.
 * A MessageChannel message rather than `setTimeout(0)`, which browsers clamp to 4 ms once
 * nested: at one yield per MiB that would add seconds to every GiB hashed.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof MessageChannel !== 'function') {
      setTimeout(resolve, 0)
      return
    }
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      // Closing releases the port, which would otherwise keep a Node process alive.
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(null)
  })
}
