import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../src/redis/index.ts';

/** Sends inline commands and returns the raw reply once it holds `replies` CRLF-ended lines. */
function ask(port: number, commands: string, lines: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (data) => {
      reply += data.toString('utf8');
      if (reply.split('\r\n').length > lines) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', reject);
    socket.write(commands);
  });
}

describe('startRedisServer', () => {
  it('starts a loopback Redis without persistence, and stop() shuts it down and cleans up', async () => {
    const server = await startRedisServer();
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await ask(server.port, 'PING\r\n', 1)).toBe('+PONG\r\n');
      const config = await ask(server.port, 'CONFIG GET save\r\nCONFIG GET appendonly\r\n', 10);
      expect(config).toBe('*2\r\n$4\r\nsave\r\n$0\r\n\r\n*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n');
      const dir = await ask(server.port, 'CONFIG GET dir\r\n', 5);
      const path = dir.split('\r\n')[4] as string;
      expect(path).toMatch(/structllm-redis-/);
      expect(existsSync(path)).toBe(true);
      await server.stop();
      expect(existsSync(path)).toBe(false);
      await expect(ask(server.port, 'PING\r\n', 1)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await server.stop();
    }
  }, 30_000);

  it('gives two servers two ports', async () => {
    const [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
    try {
      expect(a.port).not.toBe(b.port);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 30_000);

  it('fails clearly when the binary cannot be started', async () => {
    await expect(
      startRedisServer({ binary: '/nonexistent/redis-server', readyTimeoutMs: 5_000 }),
    ).rejects.toThrow(/redis-server did not start/);
  }, 30_000);
});
