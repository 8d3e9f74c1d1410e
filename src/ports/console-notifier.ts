import type { Notifier, OutgoingMessage, SendOptions } from './notifier.js';

/** Options of the ConsoleNotifier. */
export interface ConsoleNotifierOptions {
  /** Where lines go. Default `console.log`. */
  write?: (text: string) => void;
  /** Print the message text under the heading line. Default true. */
  showText?: boolean;
}

/**
 * Prints each notification instead of sending it: for demos, local runs and scripts. A digest
 * prints its heading and its list. It never fails, so nothing is retried.
 */
export class ConsoleNotifier implements Notifier {
  private readonly write: (text: string) => void;
  private readonly showText: boolean;

  constructor(options: ConsoleNotifierOptions = {}) {
    this.write = options.write ?? ((text) => console.log(text));
    this.showText = options.showText ?? true;
  }

  /** Prints the message: a heading line, then its text indented. */
  async send(message: OutgoingMessage, options: SendOptions): Promise<void> {
    const who = message.recipient.name ?? message.recipient.id;
    const address = message.recipient.email ? ` <${message.recipient.email}>` : '';
    const about = message.dealId ? ` (${message.dealId})` : '';
    const heading = `✉ ${who}${address}${about} [${message.template}] ${message.subject ?? ''}`.trimEnd();
    const body = this.showText && message.text ? `\n${indent(message.text.trimEnd())}` : '';
    this.write(`${heading}${body}${options.attempt > 1 ? `\n  (attempt ${options.attempt})` : ''}`);
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}
