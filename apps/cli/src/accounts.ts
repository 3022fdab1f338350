import { generatePassword } from '@tip/auth';
import { TipClient } from './api-client';

/** Reads a password from standard input (one line), as `--password-stdin` promises. */
export async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Sends one account command; a refusal becomes an error naming the code and the message. */
export async function sendAccountCommand(client: TipClient, name: string, body: Record<string, unknown>) {
  const result = await client.send(name, body);
  if (result.status !== 200) {
    const error = (result.body as { error?: { code?: string; message?: string; details?: unknown } }).error;
    const details = error?.details ? ` ${JSON.stringify(error.details)}` : '';
    throw new Error(`${name} was refused (${result.status} ${error?.code ?? ''}): ${error?.message ?? ''}${details}`);
  }
  return result.body;
}

/** The password to set: from stdin when asked, else a generated one that the operator hands on. */
export async function choosePassword(fromStdin: boolean): Promise<{ password: string; generated: boolean }> {
  if (fromStdin) return { password: await passwordFromStdin(), generated: false };
  return { password: generatePassword(), generated: true };
}
