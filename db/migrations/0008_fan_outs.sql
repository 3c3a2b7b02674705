CREATE TABLE `fan_outs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_key` text NOT NULL,
	`template` text NOT NULL,
	`payload` text,
	`components` text NOT NULL,
	`only_type` text,
	`at` integer NOT NULL,
	`after` text NOT NULL
);
