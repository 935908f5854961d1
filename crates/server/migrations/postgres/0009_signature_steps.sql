-- The step up the regulation-493 chain a signing sends the report for
-- (`upward_city`, `upward_province`, `upward_national`: the id of the
-- deployment rule's upward line), or NULL for a signing that marks none.
-- A signing naming a step meets that line on the desk: the office's own
-- record that it reported upward, and when. Added as a column so that the
-- table stays append-only (its triggers refuse UPDATE and DELETE); older
-- signings read as marking no step.
ALTER TABLE signatures ADD COLUMN step TEXT;
