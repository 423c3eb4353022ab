/** selenium-webdriver's HTTP module, as Node's ESM resolution needs it named (with index.js). */
declare module 'selenium-webdriver/http/index.js' {
  export * from 'selenium-webdriver/http'
}
