CREATE TABLE `alert_holds` (
	`component_id` text PRIMARY KEY NOT NULL,
	`integration_id` text NOT NULL,
	`changed_at` integer NOT NULL,
	`pending_status` text,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `integration_alerts` (
	`integration_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`component_id` text NOT NULL,
	`status` text NOT NULL,
	`summary` text NOT NULL,
	`starts_at` integer NOT NULL,
	`incident_id` text,
	PRIMARY KEY(`integration_id`, `fingerprint`),
	FOREIGN KEY (`integration_id`) REFERENCES `integrations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `integration_alerts_component_idx` ON `integration_alerts` (`component_id`);--> statement-breakpoint
CREATE TABLE `integrations` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`component_label` text NOT NULL,
	`severity_statuses` text NOT NULL,
	`min_hold_seconds` integer NOT NULL,
	`draft_incidents` integer DEFAULT false NOT NULL,
	`disabled_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
DROP INDEX `outbox_queue_idx`;--> statement-breakpoint
ALTER TABLE `outbox` ADD `channel` text DEFAULT 'email' NOT NULL;--> statement-breakpoint
CREATE INDEX `outbox_channel_queue_idx` ON `outbox` (`channel`,`status`,`id`);--> statement-breakpoint
DROP INDEX `subscribers_email_idx`;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `type` text DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `endpoint` text;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `signing_secret` text;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `paused_at` integer;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `consecutive_failures` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `last_error` text;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `last_error_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_endpoint_idx` ON `subscribers` (`endpoint`) WHERE endpoint IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_email_idx` ON `subscribers` (`email`) WHERE type = 'email';--> statement-breakpoint
ALTER TABLE `component_status_intervals` ADD `source` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `draft` integer DEFAULT false NOT NULL;