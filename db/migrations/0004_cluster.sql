CREATE TABLE `lease_fence` (
	`id` integer PRIMARY KEY NOT NULL,
	`held` integer NOT NULL,
	CONSTRAINT "lease_fence_held" CHECK("lease_fence"."held" = 1)
);
--> statement-breakpoint
ALTER TABLE `components` ADD `version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `incidents` ADD `demo` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `leases` ADD `epoch` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `maintenances` ADD `version` integer DEFAULT 0 NOT NULL;