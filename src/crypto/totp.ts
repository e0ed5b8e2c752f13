/** RFC 6238 TOTP through otplib (stateless): replay protection and throttling are the caller's. */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpParams {
  secret: string;
  algorithm: TotpAlgorithm;
  digits: 6 | 7 | 8;
  period: number;
}

type Otplib = typeof import('otplib');
let loaded: Promise<Otplib> | undefined;
const otplib = () => (loaded ??= import('otplib'));

export async function newTotpSecret(): Promise<string> {
  return (await otplib()).generateSecret({ length: 20 });
}

/**
 * Platforms still issue 80-bit seeds (Google's key-uri examples use them); otplib's default floor is
 * 128 bits. Account codes must work with what the platform gave; login seeds are ours and 160-bit.
 */
let guardrails: ReturnType<Otplib['createGuardrails']> | undefined;
const accountGuardrails = async () => (guardrails ??= (await otplib()).createGuardrails({ MIN_SECRET_BYTES: 10 }));

export async function totpCode(p: TotpParams, at: Date): Promise<{ code: string; secondsLeft: number }> {
  const o = await otplib();
  const epoch = Math.floor(at.getTime() / 1000);
  const code = o.generateSync({ secret: p.secret, algorithm: p.algorithm, digits: p.digits, period: p.period, epoch, guardrails: await accountGuardrails() });
  return { code, secondsLeft: p.period - (epoch % p.period) };
}

/** The time step the code belongs to (one step of clock drift either way), or null. */
export async function verifyTotp(p: TotpParams, token: string, at: Date): Promise<number | null> {
  if (!/^\d{6,8}$/.test(token)) return null;
  const o = await otplib();
  const result = o.verifySync({
    secret: p.secret, token, algorithm: p.algorithm, digits: p.digits, period: p.period,
    epoch: Math.floor(at.getTime() / 1000), epochTolerance: p.period,
  });
  return result.valid ? (result as { timeStep: number }).timeStep : null;
}

export async function totpUri(p: TotpParams, issuer: string, label: string): Promise<string> {
  return (await otplib()).generateURI({ issuer, label, secret: p.secret, algorithm: p.algorithm, digits: p.digits, period: p.period });
}
