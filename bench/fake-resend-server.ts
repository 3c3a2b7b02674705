// The local fake of Resend's API as its own process, so the provider's work does not count
// against the sender being measured. BENCH_RATE_LIMIT=2 enforces (and advertises) 2 requests/s.
import { startFakeResend } from '../test/helpers/fake-resend.ts';

const limit = Number(process.env.BENCH_RATE_LIMIT ?? 0);
const resend = await startFakeResend({ keepBodies: false, ...(limit > 0 && { rateLimit: { limit, windowMs: 1000 } }) });
console.log(JSON.stringify({ url: resend.url }));
process.on('message', () => process.send?.({ delivered: resend.deliveries.length, unique: resend.perRecipient().size, refused: resend.refused }));
