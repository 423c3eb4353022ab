/// <reference lib="webworker" />
// Baseline for the benchmark: spark-md5 over 4 MiB slices in a Worker, nothing else.
import SparkMD5 from 'spark-md5'

self.onmessage = async (event: MessageEvent<File>) => {
  const file = event.data
  const spark = new SparkMD5.ArrayBuffer()
  const slice = 4 * 1024 * 1024
  for (let offset = 0; offset < file.size; offset += slice) {
    spark.append(await file.slice(offset, offset + slice).arrayBuffer())
  }
  ;(self as unknown as Worker).postMessage(spark.end())
}
