import { Connection, Submittable } from 'pg';
import { Duplex } from 'stream';
import { LogRows } from '../port/log-rows';
import { LogRowPages } from './log-copy';

/**
 * A binary COPY of the log TO STDOUT, read off the connection's socket straight into LogRowPages,
 * a page of at least `pageSize` rows at a time. It takes the socket over from pg for the COPY as
 * pg-copy-streams does, but copies each chunk once, into the page, where pg-copy-streams makes a
 * Buffer view of every row's CopyData message and joins each chunk's views into a new Buffer (about
 * 0.3 µs an event and much of the collector's work, on the thread that chains a verify). What
 * follows the COPY (CommandComplete, ReadyForQuery, or an ErrorResponse at any point) is pg's again.
 */
export class LogRowsCopyOut implements Submittable {
  private readonly pages = new LogRowPages();
  private socket: Duplex | undefined;
  private clientOnData: ((chunk: Buffer) => void) | undefined;
  /** Chunks that came while a page was out (valid until the next call of `next`). */
  private readonly waiting: Buffer[] = [];
  private pageOut = false;
  private handedBack = false;
  private readyForQuery = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly text: string,
    private readonly pageSize: number,
  ) {}

  submit(connection: Connection): void {
    const socket = connection.stream;
    const listeners = socket.listeners('data') as ((chunk: Buffer) => void)[];
    if (listeners.length !== 1)
      throw new Error(`the connection's socket has ${listeners.length} readers, not pg's one`);
    this.clientOnData = listeners[0];
    socket.removeListener('data', this.clientOnData);
    socket.pause();
    socket.on('data', this.onData);
    this.socket = socket;
    connection.query(this.text);
    this.wakeUp();
  }

  /** The next page of rows, valid until the next call; undefined after the last. */
  async next(): Promise<LogRows | undefined> {
    this.pageOut = false;
    for (;;) {
      if (this.error) throw this.error;
      while (this.waiting.length > 0 && !this.handedBack && this.pages.count < this.pageSize) {
        this.read(this.waiting.shift() as Buffer);
      }
      if (this.error) throw this.error;
      if (this.pages.count >= this.pageSize) return this.give();
      if (this.pages.done) {
        this.pages.end();
        return this.give();
      }
      if (this.handedBack && this.readyForQuery) throw new Error("the log's COPY ended before its last row");
      if (this.socket && !this.handedBack && this.waiting.length === 0) this.socket.resume();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  handleError(error: Error): void {
    this.error = error;
    this.wakeUp();
  }

  handleCommandComplete(): void {
    // The rows are counted as they come; pg calls this on every query it runs.
  }

  handleReadyForQuery(): void {
    this.readyForQuery = true;
    this.wakeUp();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.pageOut || this.waiting.length > 0) {
      this.waiting.push(chunk);
      this.socket?.pause();
      return;
    }
    this.read(chunk);
    if (this.pages.count >= this.pageSize || this.handedBack) this.wakeUp();
  };

  /** Reads a chunk into the pages; where the COPY's messages end, the socket goes back to pg with the rest. */
  private read(chunk: Buffer): void {
    let end: number;
    try {
      end = this.pages.pushMessages(chunk);
    } catch (error) {
      this.error = error as Error;
      this.socket?.pause();
      this.wakeUp();
      return;
    }
    if (end >= 0) this.handBack(chunk.subarray(end));
    else if (this.pages.count >= this.pageSize) this.socket?.pause();
  }

  private handBack(rest: Buffer): void {
    const socket = this.socket as Duplex;
    const clientOnData = this.clientOnData as (chunk: Buffer) => void;
    this.handedBack = true;
    socket.removeListener('data', this.onData);
    socket.pause();
    socket.on('data', clientOnData);
    const later = this.waiting.splice(0);
    if (rest.length > 0) clientOnData(rest);
    for (const chunk of later) clientOnData(chunk);
    // As pg-copy-streams: pg's own reading may have paused the socket meanwhile.
    process.nextTick(() => socket.resume());
  }

  private give(): LogRows | undefined {
    const rows = this.pages.take();
    this.pageOut = rows !== undefined;
    return rows;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
