// The Spark Connect server the Spark tests run against: the one scripts/spark.sh starts
// (sc://127.0.0.1:15002), or FERRY_SPARK_URL.
import { connect } from 'node:net';
import { parseSparkConnectUrl } from '../../../src/spark/connection-string.js';

export const SPARK_URL =
  process.env.FERRY_SPARK_URL ?? `sc://127.0.0.1:${process.env.FERRY_SPARK_PORT ?? '15002'}`;

/** Fails with what to do when no Spark Connect server answers. */
export async function requireSpark(): Promise<void> {
  const { host, port } = parseSparkConnectUrl(SPARK_URL);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
  if (!reachable) {
    throw new Error(
      `no Spark Connect server answers at ${host}:${port}: run scripts/spark.sh start (or make spark), or set FERRY_SPARK_URL`,
    );
  }
}
