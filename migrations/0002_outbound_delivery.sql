CREATE TABLE `dkim_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`domain_id` integer NOT NULL,
	`selector` text NOT NULL,
	`algorithm` text NOT NULL,
	`private_key` text NOT NULL,
	`public_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`retire_at` integer,
	FOREIGN KEY (`domain_id`) REFERENCES `domains`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `dkim_keys_domain_idx` ON `dkim_keys` (`domain_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `dkim_keys_selector_uq` ON `dkim_keys` (`domain_id`,`selector`);--> statement-breakpoint
CREATE TABLE `mta_sts_policies` (
	`domain` text PRIMARY KEY NOT NULL,
	`policy_id` text NOT NULL,
	`mode` text NOT NULL,
	`mx` text NOT NULL,
	`max_age` integer NOT NULL,
	`fetched_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tls_report_results` (
	`day` text NOT NULL,
	`domain` text NOT NULL,
	`policy_type` text NOT NULL,
	`mx_host` text NOT NULL,
	`result_type` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`detail` text,
	PRIMARY KEY(`day`, `domain`, `policy_type`, `mx_host`, `result_type`)
);
--> statement-breakpoint
ALTER TABLE `queued_messages` ADD `expires_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `queued_messages` ADD `dkim_signature` text;--> statement-breakpoint
ALTER TABLE `queued_messages` ADD `delay_notified_at` integer;--> statement-breakpoint
ALTER TABLE `queued_recipients` ADD `last_attempt_at` integer;--> statement-breakpoint
ALTER TABLE `queued_recipients` ADD `remote_mta` text;--> statement-breakpoint
ALTER TABLE `queued_recipients` ADD `status_code` text;--> statement-breakpoint
UPDATE `queued_messages` SET `expires_at` = `created_at` + 432000000 WHERE `expires_at` = 0;
