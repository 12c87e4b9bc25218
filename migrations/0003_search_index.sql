CREATE TABLE `email_search_texts` (
	`email_id` integer PRIMARY KEY NOT NULL,
	`subject` text,
	`from_list` text,
	`to_list` text,
	`cc_list` text,
	`bcc_list` text,
	`body` blob NOT NULL,
	FOREIGN KEY (`email_id`) REFERENCES `emails`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `blobs` ADD `header_frame` integer DEFAULT 0 NOT NULL;