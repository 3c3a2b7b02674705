CREATE TABLE `write_guard` (
	`id` integer PRIMARY KEY NOT NULL,
	`changed` integer NOT NULL,
	CONSTRAINT "write_guard_changed_one" CHECK("write_guard"."changed" = 1)
);
--> statement-breakpoint
ALTER TABLE `incidents` ADD `version` integer DEFAULT 0 NOT NULL;