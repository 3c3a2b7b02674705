ALTER TABLE `incident_updates` ADD `public` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `incidents` ADD `published_at` integer;--> statement-breakpoint
ALTER TABLE `sla_plans` ADD `maintenance_notice_hours` integer DEFAULT 48 NOT NULL;--> statement-breakpoint
ALTER TABLE `sla_plans` ADD `aggregate` text DEFAULT 'worst' NOT NULL;--> statement-breakpoint
UPDATE `incidents` SET `published_at` = `declared_at` WHERE `severity` IN ('SEV-1', 'SEV-2') OR (`severity` = 'SEV-3' AND `customer_visible` = 1);--> statement-breakpoint
UPDATE `incident_updates` SET `public` = 1 WHERE `kind` <> 'severity_change' AND `incident_id` IN (SELECT `id` FROM `incidents` WHERE `published_at` IS NOT NULL);
