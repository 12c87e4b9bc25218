CREATE TABLE `mailbox_threads` (
	`account_id` integer NOT NULL,
	`mailbox_id` integer NOT NULL,
	`thread_id` integer NOT NULL,
	`emails` integer NOT NULL,
	`unseen` integer NOT NULL,
	PRIMARY KEY(`mailbox_id`, `thread_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`mailbox_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mailbox_threads_thread_idx` ON `mailbox_threads` (`thread_id`,`mailbox_id`);--> statement-breakpoint
CREATE INDEX `mailbox_threads_unseen_idx` ON `mailbox_threads` (`account_id`,`mailbox_id`,`thread_id`) WHERE unseen > 0;--> statement-breakpoint
CREATE INDEX `mailbox_messages_unseen_draft_idx` ON `mailbox_messages` (`mailbox_id`) WHERE flags & 9 = 8;--> statement-breakpoint
INSERT INTO `mailbox_threads` (`account_id`, `mailbox_id`, `thread_id`, `emails`, `unseen`)
  SELECT e.account_id, mm.mailbox_id, e.thread_id, count(*), sum(mm.flags & 1 = 0)
  FROM mailbox_messages mm JOIN emails e ON e.id = mm.email_id
  GROUP BY mm.mailbox_id, e.thread_id;
--> statement-breakpoint
CREATE TRIGGER `mailbox_messages_threads_insert` AFTER INSERT ON `mailbox_messages` BEGIN
  INSERT INTO mailbox_threads (account_id, mailbox_id, thread_id, emails, unseen)
    SELECT e.account_id, NEW.mailbox_id, e.thread_id, 1, NEW.flags & 1 = 0 FROM emails e WHERE e.id = NEW.email_id
    ON CONFLICT (mailbox_id, thread_id) DO UPDATE SET emails = emails + 1, unseen = unseen + excluded.unseen;
END;
--> statement-breakpoint
CREATE TRIGGER `mailbox_messages_threads_delete` AFTER DELETE ON `mailbox_messages` BEGIN
  UPDATE mailbox_threads SET emails = emails - 1, unseen = unseen - (OLD.flags & 1 = 0)
    WHERE mailbox_id = OLD.mailbox_id AND thread_id = (SELECT thread_id FROM emails WHERE id = OLD.email_id);
  DELETE FROM mailbox_threads
    WHERE mailbox_id = OLD.mailbox_id AND emails <= 0 AND thread_id = (SELECT thread_id FROM emails WHERE id = OLD.email_id);
END;
--> statement-breakpoint
CREATE TRIGGER `mailbox_messages_threads_update` AFTER UPDATE OF mailbox_id, email_id, flags ON `mailbox_messages`
  WHEN OLD.mailbox_id IS NOT NEW.mailbox_id OR OLD.email_id IS NOT NEW.email_id OR (OLD.flags & 1) IS NOT (NEW.flags & 1)
BEGIN
  UPDATE mailbox_threads SET emails = emails - 1, unseen = unseen - (OLD.flags & 1 = 0)
    WHERE mailbox_id = OLD.mailbox_id AND thread_id = (SELECT thread_id FROM emails WHERE id = OLD.email_id);
  DELETE FROM mailbox_threads
    WHERE mailbox_id = OLD.mailbox_id AND emails <= 0 AND thread_id = (SELECT thread_id FROM emails WHERE id = OLD.email_id);
  INSERT INTO mailbox_threads (account_id, mailbox_id, thread_id, emails, unseen)
    SELECT e.account_id, NEW.mailbox_id, e.thread_id, 1, NEW.flags & 1 = 0 FROM emails e WHERE e.id = NEW.email_id
    ON CONFLICT (mailbox_id, thread_id) DO UPDATE SET emails = emails + 1, unseen = unseen + excluded.unseen;
END;
--> statement-breakpoint
CREATE TRIGGER `emails_threads_update` AFTER UPDATE OF thread_id ON `emails`
  WHEN OLD.thread_id IS NOT NEW.thread_id
BEGIN
  UPDATE mailbox_threads SET emails = emails - 1,
    unseen = unseen - (SELECT mm.flags & 1 = 0 FROM mailbox_messages mm
      WHERE mm.email_id = NEW.id AND mm.mailbox_id = mailbox_threads.mailbox_id)
    WHERE thread_id = OLD.thread_id AND mailbox_id IN (SELECT mailbox_id FROM mailbox_messages WHERE email_id = NEW.id);
  DELETE FROM mailbox_threads WHERE thread_id = OLD.thread_id AND emails <= 0;
  INSERT INTO mailbox_threads (account_id, mailbox_id, thread_id, emails, unseen)
    SELECT NEW.account_id, mm.mailbox_id, NEW.thread_id, 1, mm.flags & 1 = 0 FROM mailbox_messages mm WHERE mm.email_id = NEW.id
    ON CONFLICT (mailbox_id, thread_id) DO UPDATE SET emails = emails + 1, unseen = unseen + excluded.unseen;
END;
