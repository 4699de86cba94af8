-- Calendar years loaded by administrators (PUT /api/v1/calendar/{year}), in the holiday-cn
-- format. They override the official years shipped in the binary.
CREATE TABLE calendar_years (
  year BIGINT PRIMARY KEY,
  document TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL
);
