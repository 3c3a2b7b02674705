// The local fake of Resend's API as its own process, so the provider's work does not count
// against the sender being measured.
import { startFakeResend } from '../test/helpers/fake-resend.ts';

const resend = await startFakeResend({ keepBodies: false });
console.log(JSON.stringify({ url: resend.url }));
process.on('message', () => process.send?.({ delivered: resend.deliveries.length, unique: resend.perRecipient().size }));
