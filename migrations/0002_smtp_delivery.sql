CREATE TABLE `recent_deliveries` (
	`account_id` integer NOT NULL,
	`key` text NOT NULL,
	`email_id` integer NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `key`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `recent_deliveries_at_idx` ON `recent_deliveries` (`at`);--> statement-breakpoint
CREATE TABLE `queued_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer,
	`blob_id` integer NOT NULL,
	`mail_from` text NOT NULL,
	`size` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`blob_id`) REFERENCES `blobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `queued_messages_created_idx` ON `queued_messages` (`created_at`);--> statement-breakpoint
CREATE TABLE `queued_recipients` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` integer NOT NULL,
	`address` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	FOREIGN KEY (`message_id`) REFERENCES `queued_messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `queued_recipients_next_idx` ON `queued_recipients` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `queued_recipients_message_idx` ON `queued_recipients` (`message_id`);