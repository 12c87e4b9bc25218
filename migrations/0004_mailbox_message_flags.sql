ALTER TABLE `mailbox_messages` ADD `flags` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `mailbox_messages` SET `flags` = (SELECT `flags` FROM `emails` WHERE `emails`.`id` = `mailbox_messages`.`email_id`);--> statement-breakpoint
CREATE INDEX `mailbox_messages_view_idx` ON `mailbox_messages` (`mailbox_id`,`uid`,`email_id`,`flags`);
