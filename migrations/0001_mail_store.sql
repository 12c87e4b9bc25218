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
CREATE TABLE `blobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`hash` text NOT NULL,
	`size` integer NOT NULL,
	`encoding` integer DEFAULT 0 NOT NULL,
	`data` blob NOT NULL,
	`ref_count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `blobs_hash_unique` ON `blobs` (`hash`);--> statement-breakpoint
CREATE TABLE `changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`modseq` integer NOT NULL,
	`kind` text NOT NULL,
	`object_id` integer NOT NULL,
	`op` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `changes_account_modseq_idx` ON `changes` (`account_id`,`kind`,`modseq`);--> statement-breakpoint
CREATE TABLE `email_facts` (
	`email_id` integer PRIMARY KEY NOT NULL,
	`envelope` text NOT NULL,
	`bodystructure` text NOT NULL,
	`body` text NOT NULL,
	`meta` text NOT NULL,
	FOREIGN KEY (`email_id`) REFERENCES `emails`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `emails` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`blob_id` integer NOT NULL,
	`thread_id` integer NOT NULL,
	`size` integer NOT NULL,
	`received_at` integer NOT NULL,
	`sent_at` integer,
	`flags` integer DEFAULT 0 NOT NULL,
	`keywords` text DEFAULT '[]' NOT NULL,
	`modseq` integer NOT NULL,
	`message_id` text,
	`subject` text DEFAULT '' NOT NULL,
	`base_subject` text DEFAULT '' NOT NULL,
	`from_email` text DEFAULT '' NOT NULL,
	`preview` text DEFAULT '' NOT NULL,
	`has_attachment` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`blob_id`) REFERENCES `blobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `emails_account_received_idx` ON `emails` (`account_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `emails_account_thread_idx` ON `emails` (`account_id`,`thread_id`);--> statement-breakpoint
CREATE INDEX `emails_account_subject_idx` ON `emails` (`account_id`,`base_subject`,`received_at`);--> statement-breakpoint
CREATE INDEX `emails_blob_idx` ON `emails` (`blob_id`);--> statement-breakpoint
CREATE TABLE `mailbox_messages` (
	`mailbox_id` integer NOT NULL,
	`uid` integer NOT NULL,
	`email_id` integer NOT NULL,
	`modseq` integer NOT NULL,
	PRIMARY KEY(`mailbox_id`, `uid`),
	FOREIGN KEY (`mailbox_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`email_id`) REFERENCES `emails`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mailbox_messages_email_idx` ON `mailbox_messages` (`email_id`,`mailbox_id`);--> statement-breakpoint
CREATE INDEX `mailbox_messages_modseq_idx` ON `mailbox_messages` (`mailbox_id`,`modseq`);--> statement-breakpoint
CREATE TABLE `thread_refs` (
	`account_id` integer NOT NULL,
	`message_id` text NOT NULL,
	`thread_id` integer NOT NULL,
	PRIMARY KEY(`account_id`, `message_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `thread_refs_thread_idx` ON `thread_refs` (`account_id`,`thread_id`);--> statement-breakpoint
CREATE TABLE `vanished` (
	`mailbox_id` integer NOT NULL,
	`uid` integer NOT NULL,
	`modseq` integer NOT NULL,
	PRIMARY KEY(`mailbox_id`, `uid`),
	FOREIGN KEY (`mailbox_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `vanished_modseq_idx` ON `vanished` (`mailbox_id`,`modseq`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`source` text NOT NULL,
	`kind` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`imported` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`is_complete` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `imports_account_source_unique` ON `imports` (`account_id`,`source`,`kind`);--> statement-breakpoint
CREATE TABLE `mail_accounts` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`modseq` integer DEFAULT 0 NOT NULL,
	`used_bytes` integer DEFAULT 0 NOT NULL,
	`used_messages` integer DEFAULT 0 NOT NULL,
	`changes_floor` integer DEFAULT 0 NOT NULL,
	`last_uid_validity` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mailboxes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`parent_id` integer,
	`name` text NOT NULL,
	`path` text NOT NULL,
	`role` text,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`is_subscribed` integer DEFAULT true NOT NULL,
	`uid_validity` integer NOT NULL,
	`uid_next` integer DEFAULT 1 NOT NULL,
	`total_emails` integer DEFAULT 0 NOT NULL,
	`unread_emails` integer DEFAULT 0 NOT NULL,
	`total_size` integer DEFAULT 0 NOT NULL,
	`highest_modseq` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`parent_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mailboxes_account_path_unique` ON `mailboxes` (`account_id`,`path`);--> statement-breakpoint
CREATE UNIQUE INDEX `mailboxes_account_role_unique` ON `mailboxes` (`account_id`,`role`) WHERE role IS NOT NULL;--> statement-breakpoint
CREATE INDEX `mailboxes_parent_idx` ON `mailboxes` (`parent_id`);--> statement-breakpoint
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