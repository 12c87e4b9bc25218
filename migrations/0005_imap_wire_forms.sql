ALTER TABLE `email_facts` ADD `imap_envelope` blob;--> statement-breakpoint
ALTER TABLE `email_facts` ADD `imap_bodystructure` blob;--> statement-breakpoint
ALTER TABLE `email_facts` ADD `imap_body` blob;