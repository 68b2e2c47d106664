-- What was sent to the server at least once, its answer not (yet) heard: the server may have
-- it, so taking such a payment back voids it on the server instead of only dropping it here.
ALTER TABLE credit_payments ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE facts ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0;
