CREATE TABLE `write_guard` (
	`id` integer PRIMARY KEY NOT NULL,
	`changed` integer NOT NULL,
	CONSTRAINT "write_guard_changed_one" CHECK("write_guard"."changed" = 1)
);
--> statement-breakpoint
ALTER TABLE `incidents` ADD `version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Earlier concurrent writes may have left two open intervals on a component: each but the
-- latest ends where the next one begins, so the index below can hold.
UPDATE `component_status_intervals` SET `ended_at` = (
  SELECT min(later.`started_at`) FROM `component_status_intervals` later
  WHERE later.`component_id` = `component_status_intervals`.`component_id` AND later.`ended_at` IS NULL
    AND (later.`started_at` > `component_status_intervals`.`started_at` OR (later.`started_at` = `component_status_intervals`.`started_at` AND later.rowid > `component_status_intervals`.rowid))
) WHERE `ended_at` IS NULL AND EXISTS (
  SELECT 1 FROM `component_status_intervals` later
  WHERE later.`component_id` = `component_status_intervals`.`component_id` AND later.`ended_at` IS NULL
    AND (later.`started_at` > `component_status_intervals`.`started_at` OR (later.`started_at` = `component_status_intervals`.`started_at` AND later.rowid > `component_status_intervals`.rowid))
);--> statement-breakpoint
CREATE UNIQUE INDEX `intervals_one_open_idx` ON `component_status_intervals` (`component_id`) WHERE ended_at IS NULL;