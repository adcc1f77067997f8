-- Run parameters of the synthetic release; BIGINT-typed, since the hash of a value depends on its type.
SET VARIABLE seed = $seed::BIGINT;
SET VARIABLE concepts = $concepts::BIGINT;
