-- Run parameters of the synthetic release; BIGINT-typed so that hash(x, seed, salt) is stable.
SET VARIABLE seed = $seed::BIGINT;
SET VARIABLE concepts = $concepts::BIGINT;
