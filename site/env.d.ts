/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** Services context, passed in by api/app.ts when it hands a request to Astro. */
    candor: import('../api/services/context.ts').ServiceContext;
    /** The page's name and public base URL. */
    site: { name: string; url: string };
    /** Links and signing for subscriber pages (absent when email is not set up). */
    subscriptions: import('../api/services/subscribers/links.ts').SubscriptionSettings | undefined;
    /** The owner's brand colour (`#rrggbb`), or null. */
    brandColor: string | null;
    /** The page's status for the current data, when the server has it at hand (else pages read it). */
    indicator: import('../api/domain/status/summary.ts').Indicator | null;
    /** Where the owner's logo is served (a path on this site), or null. */
    logoUrl: string | null;
    /** The client's address (as the rate limits count it). */
    clientIp: string;
    /** The signed-in console user's session (set by site/middleware.ts on /admin pages). */
    console?: import('../api/services/users/sessions.ts').ConsoleSession | null;
  }
}
