-- 0008_mail_out: a message's mail identity and the outbox's word on it.
--
-- mail_id is the message's Message-ID without the angle brackets: given
-- when a public reply is queued for mail (on the desk's domain, kept
-- through every retry so a resend is the same message) or read from a
-- received message. Threading looks replies up by it.
-- delivery is the outbox's state for a message sent by mail: queued (a
-- mail.send job holds it), sent (the SMTP server accepted it) or failed
-- (refused for good, or out of retries); delivery_detail keeps the SMTP
-- server's last answer.
ALTER TABLE messages ADD COLUMN mail_id TEXT;
ALTER TABLE messages ADD COLUMN delivery TEXT CHECK (delivery IN ('queued', 'sent', 'failed'));
ALTER TABLE messages ADD COLUMN delivery_detail TEXT;
CREATE INDEX messages_mail_id ON messages (mail_id) WHERE mail_id IS NOT NULL;
