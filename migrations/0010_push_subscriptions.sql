CREATE TABLE `push_subscriptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`device_client_id` text NOT NULL,
	`url` text NOT NULL,
	`keys_p256dh` text,
	`keys_auth` text,
	`verification_code` text NOT NULL,
	`is_verified` integer DEFAULT false NOT NULL,
	`expires_at` integer NOT NULL,
	`types` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `push_subscriptions_account_idx` ON `push_subscriptions` (`account_id`);--> statement-breakpoint
CREATE INDEX `push_subscriptions_expires_idx` ON `push_subscriptions` (`expires_at`);