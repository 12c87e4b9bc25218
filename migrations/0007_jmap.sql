CREATE TABLE `email_submissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`identity_id` integer NOT NULL,
	`email_id` integer NOT NULL,
	`thread_id` integer NOT NULL,
	`envelope` text NOT NULL,
	`send_at` integer NOT NULL,
	`undo_status` text NOT NULL,
	`queue_id` integer,
	`delivery_status` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`queue_id`) REFERENCES `queued_messages`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `email_submissions_account_idx` ON `email_submissions` (`account_id`,`send_at`);--> statement-breakpoint
CREATE INDEX `email_submissions_queue_idx` ON `email_submissions` (`queue_id`);--> statement-breakpoint
CREATE TABLE `identities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`email` text NOT NULL,
	`reply_to` text,
	`bcc` text,
	`text_signature` text DEFAULT '' NOT NULL,
	`html_signature` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `identities_account_idx` ON `identities` (`account_id`);--> statement-breakpoint
CREATE TABLE `jmap_uploads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`blob_id` integer NOT NULL,
	`type` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`blob_id`) REFERENCES `blobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `jmap_uploads_account_blob_idx` ON `jmap_uploads` (`account_id`,`blob_id`);--> statement-breakpoint
CREATE INDEX `jmap_uploads_expires_idx` ON `jmap_uploads` (`expires_at`);--> statement-breakpoint
CREATE TABLE `vacation_replies` (
	`account_id` integer NOT NULL,
	`sender` text NOT NULL,
	`replied_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `sender`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `vacation_replies_at_idx` ON `vacation_replies` (`replied_at`);--> statement-breakpoint
CREATE TABLE `vacation_responses` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`is_enabled` integer DEFAULT false NOT NULL,
	`from_date` integer,
	`to_date` integer,
	`subject` text,
	`text_body` text,
	`html_body` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
