/**
 * When `gmv secret show` keeps a value off the screen: on a terminal, unless --reveal (as `op item
 * get` does), so a password is not left in a scroll-back or shown to someone looking on. To a pipe,
 * in JSON, and for a TOTP code (it expires in seconds) the value is printed as asked.
 */
export function hidesOnTerminal(input: { json: boolean; reveal: boolean; field: string | undefined; tty: boolean }): boolean {
  return input.tty && !input.json && !input.reveal && input.field !== 'otp' && input.field !== 'totp';
}
