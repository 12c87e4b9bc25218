CREATE TABLE `orphan_subscriptions` (
	`account_id` integer NOT NULL,
	`path` text NOT NULL,
	PRIMARY KEY(`account_id`, `path`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
