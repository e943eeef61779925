import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * One kept-alive HTTP/1.1 connection for a load generator's hot loop, one request at a time: the
 * request's bytes written at once, the answer read from the socket with no parser but the status
 * line, `content-length` and chunked bodies. It costs a fraction of `node:http`'s client per call
 * (streams, agents, header objects), and the load generator shares the machine with what it
 * measures. Anything it cannot read fails the call and closes the connection; the next call opens
 * a new one.
 */
export class RawHttpConnection {
  private socket: Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {}

  request(method: string, path: string, headers: Readonly<Record<string, string>>, body?: string): Promise<RawResponse> {
    if (this.waiting) return Promise.reject(new Error('one request at a time on a RawHttpConnection'));
    const data = body === undefined ? '' : body;
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\ncontent-length: ${Buffer.byteLength(data)}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    const socket = this.open();
    return new Promise<RawResponse>((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(`${head}\r\n${data}`);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    if (this.socket) return this.socket;
    const socket = connect({ port: this.port, host: this.host, noDelay: true });
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.read();
    });
    const fail = (err: Error) => {
      if (this.socket === socket) this.socket = undefined;
      this.buffered = Buffer.alloc(0);
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the connection closed')));
    this.socket = socket;
    return socket;
  }

  /** Answers the waiting request once its whole response is buffered. */
  private read(): void {
    const end = this.buffered.indexOf(CRLF2);
    if (end < 0 || !this.waiting) return;
    const head = this.buffered.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body: string;
    let rest: Buffer;
    if (length) {
      const from = end + 4;
      const to = from + Number(length[1]);
      if (this.buffered.length < to) return;
      body = this.buffered.toString('utf8', from, to);
      rest = this.buffered.subarray(to);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: Buffer[] = [];
      let at = end + 4;
      for (;;) {
        const lineEnd = this.buffered.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(this.buffered.toString('latin1', at, lineEnd), 16);
        if (this.buffered.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          at = lineEnd + 4;
          break;
        }
        parts.push(this.buffered.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts).toString('utf8');
      rest = this.buffered.subarray(at);
    } else {
      body = '';
      rest = this.buffered.subarray(end + 4);
    }
    this.buffered = rest.length === 0 ? Buffer.alloc(0) : Buffer.from(rest);
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve({ status, body });
  }
}
