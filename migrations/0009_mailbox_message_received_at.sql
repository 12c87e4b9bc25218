ALTER TABLE `mailbox_messages` ADD `received_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `mailbox_messages` SET `received_at` = (SELECT `received_at` FROM `emails` WHERE `emails`.`id` = `mailbox_messages`.`email_id`);--> statement-breakpoint
CREATE INDEX `mailbox_messages_received_idx` ON `mailbox_messages` (`mailbox_id`,`received_at`,`email_id`);
