from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "username" VARCHAR(30) UNIQUE,
    "phone_number" VARCHAR(16) UNIQUE,
    "password_hash" VARCHAR(128) NOT NULL,
    "fullname" VARCHAR(120),
    "avatar_url" VARCHAR(300),
    "location" VARCHAR(120),
    "bio" TEXT,
    "user_type" VARCHAR(10) NOT NULL,
    "role" VARCHAR(10) NOT NULL,
    "verified" BOOL NOT NULL,
    "is_active" BOOL NOT NULL,
    "last_seen_at" TIMESTAMPTZ,
    "deleted_at" TIMESTAMPTZ,
    "deleted_email" VARCHAR(254),
    "deleted_username" VARCHAR(30),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON COLUMN "users"."user_type" IS 'CLIENT: client\nAGENT: agent';
COMMENT ON COLUMN "users"."role" IS 'USER: user\nADMIN: admin\nMODERATOR: moderator';
CREATE TABLE IF NOT EXISTS "agent_profiles" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "agency_name" VARCHAR(120),
    "license_number" VARCHAR(60),
    "rating" DECIMAL(3,2),
    "kyc_status" VARCHAR(20) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "user_id" INT NOT NULL UNIQUE REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "agent_profiles" IS 'Created the first time an account acts as an agent (register or switch-account).';
CREATE TABLE IF NOT EXISTS "payment_accounts" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "bank_name" VARCHAR(120) NOT NULL,
    "account_name" VARCHAR(120) NOT NULL,
    "account_number" VARCHAR(34) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "user_id" INT NOT NULL UNIQUE REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "payment_accounts" IS 'Where a client pays an agent; shown to a client only inside a deal.';
CREATE TABLE IF NOT EXISTS "auth_sessions" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "revoked_reason" VARCHAR(40),
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_auth_sessio_user_id_78519e" ON "auth_sessions" ("user_id", "revoked_at");
CREATE TABLE IF NOT EXISTS "otp_codes" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "purpose" VARCHAR(20) NOT NULL,
    "code_hash" VARCHAR(64) NOT NULL,
    "attempts" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_otp_codes_user_id_141945" ON "otp_codes" ("user_id", "purpose", "created_at");
COMMENT ON COLUMN "otp_codes"."purpose" IS 'VERIFY_EMAIL: verify_email\nRESET_PASSWORD: reset_password';
COMMENT ON TABLE "otp_codes" IS 'A 6-digit code, stored as an HMAC under the server secret (never in clear).';
CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ,
    "session_id" UUID NOT NULL REFERENCES "auth_sessions" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "refresh_tokens" IS 'Only the SHA-256 of the token is stored; the token itself is 256 random bits.';
CREATE TABLE IF NOT EXISTS "reset_grants" (
    "jti" VARCHAR(64) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "reset_grants" IS 'The single-use right to set a new password, earned by a reset OTP. The reset token';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW1z2rgW/isaPqUzSaYhhM2kd+4MIbRlN4QMkO3e3e4YYQvQjZGpJYcyu/nve+QX8H"
    "tsAil4/SXFko4kP0eWznN0pP5VmRka0flpY0KYuDeNMdVJ5Qr9VWF4Jn/E5h+jCp7P17ky"
    "QeCRLVnBsqQyd4raWXjEhYlVAbljrHMCSRrhqknnghpMyjRNggXRkJgSNKYmF0jQGUGYIa"
    "yqhsUE/Cs4wtxOkg2gI5NMKBfERIaJ+IIKdXriFn53KlvVDBWapWyyqwYsRr9ZRBHGhEC1"
    "JjTzx5+QTJlGvsOLu4/zR2VMia4FQKWarMBOV8Rybqe1mfhoF5R9HymqoVszti48X4qpwV"
    "alKRMyFXpKTPlmkCZMS0LLLF13deGh7fR0XcTpok9GI2Ns6VJBUtrpwDqtoih33YHSbw0U"
    "pRJRnifhg9tNUg0mFQ9d5fbbT2QXTqpntZ9ql+f12iUUsbu5Svnp2Wl6DYwjaMNzN6g82/"
    "lYYKeEjfEaVKk2danYjxF0m1NsxsMbEgvhDC8QxtlD1Qe0C+MKZ6/IGuj1wH8LpGf4u6IT"
    "NhFTeDyrvk/B9ddGr/m50TuCUu9kkwZ8qc6HfOdmVZ08Cf4abJ2qhHGiMGs2ImYevKOSxY"
    "O8ngXxejLg9QjegIRsPoLzDVHpDOvxUK+FQhBrjtSpK314cKfAe9NqtjuN26Pz46qNL/+m"
    "U0H8wNci6D4uVYULLCyeZyQHpTYaxZEZOguuUPqJmBS66fVpx8M50wSSMn9Epw/VWY8VLG"
    "KGNOTI1Tke9KBkeFy7oqfej12pYJczCbyg1mX60v3qUqAftDut/qDRuZfNzTiMdBu/xqAl"
    "c6p26jKUelQPqWlVCfrSHnxG8hH93r1r2fAaXExMu8V1ucHvFdknbAlDYcZCwZrPkvBSPd"
    "QCWrfm2oZaD0qWWt8XrXsY+dTu9t6ndU5MJZfF65N42ezNotyDt3slkxg/+sxemTDC6uMC"
    "m5oSyTGqRqyJLIGN6qHLyMCAP7Yy2tB3zNQ4W9ilgg9uJQelhGdvjHmp6/ZNvFhRNP/Qgz"
    "eH9yWO7dBs9JuNm1blOQB8EGeZNavOwimYAcXQ3J7Jfrg43uPlDIhmw+GUlRjSHSpxnEa7"
    "505ZxaWoGYn3FyCuQIORqlPJeaGSNQP+gPjUWDAkjHUBA2YoRBmnmpTSCNiQEa69pTpLer"
    "1f9HqE2WNuch0QejsL+bC5tfsJ5/dkhORKvHPinduXEZUsIObntQyQn9cSEZdZzyUPKHlA"
    "yQNevUCXPKB4PMDGMcb69/BNtvllJ7MZ+sn4lGb2fpnZZIapnscGWQlsx/T4seAG3c4XWS"
    "wPKJXseL6I2h7wzeQ1rP0yW9ms2iOQz7MY1OfJ9vR5xJyeAz6bbAyG5YqG9Fk9C3UJG2g+"
    "5lKPII05Xxiw/kwxn+aCOixYQNpyVr3MRBUvU6jiZRjxMTScd/bwyxRvq3s3jPwJlkdTsc"
    "xcK2FQqnhQn7/PNlenTdbRQA5DxXa3cgDtlykezDsZ0SNqRBEekO8J1rJbvAjgpnkwWr8N"
    "As4LD8KjTuO3dwEHxm337pNX3Ad587Z7HWPgOYjFjugWGBgRghv1OngVvGFUh7MdUsmnhk"
    "rztt26G1y5mylfWeOT/WjvtoS3ZjKN/kyDP2XsR0OXDH1jXXiybxlc49LuPEp46Ld6V0hK"
    "ggJuOu07UIA2o+wr63RvWr3GoAvZksBDbw1zP9TiDyEKqubaANQxi5+Z/GIhrYxAbldqWa"
    "W87Qx13e3eBmao63Z4CnroXLcA+lCsmUf0fd4SrmBV0KeYbyEV8IDcGyLuEaWDBVzHXCic"
    "ELbBPkNYdgs7DQe0LO/3xkI0rsxxz26ynxSULLV8CFrO7SGNCBbBrH4DV6mH2yYu0zjZ4s"
    "G+fedpGRidDP1hbo2XgdH/Rq0nBUTk2MBfDw9OOAfYYg6nXLuSH3/pET3JJ+cd4bTEtO/U"
    "dIDjIGnjPvAdGWIOJTTySqS6Yt6EX0VFCUYwEcrExG6Y8OZA9WRNn2RFRcIqGjmTEuwRPH"
    "+6OvicjKsXZZPhgw2duT4sSynTUAxFrW8DtWjQfEFwyxlW5J/u4w70B1eDlPP8UFDxr0A7"
    "DTb6wx95ZZIn49Exbv7MFYX08NC+yRGGZFlUO5Uym8xiL0cYVP4ztpgqwUF2S/JP7b85fc"
    "zboPwOHXEsHr8tY796elhSyUuKZqFm4SXk+5xCbRtoPShZQK0fiJYzedZ882xONQclS//p"
    "IWgZpiueL94jKlk8V14tiyuvluzKi14qsQfnHX40wrs48fDSKYaPhknohP1Cljs+x7AfU9"
    "OWTzIkQG2SMcxEU7DcH8lr/VA9p66BrKpAuOdzG+Qkc55HKobI+ZxVySQu4Bh7+Vh4A9VP"
    "NDqhAkmhY8QFfFSaez3a506jiSwA37SvU4Ph9QQ/OQFDX6AjRuQTZQhmSGzGXMW25bpzUs"
    "q5ZcK6aqPlIyb52GV5xuWVZ1x8StgkKMwnvs9x65VfW732x/8prU6jfXuF7MCppbMJ/ZX1"
    "WlLqvtHvf+n2bq6Q45P14vLDH02mLeDtX9IE32fuowUBoX1Wz4Z2Yj3LRns9eZ+9Htlmx0"
    "KQ2TzOFZ840fhF3s5SfL/X003pqyp9VaWvqvBeDLDlNoqT4KWX6lD0W3pNXr0cll6TH+c1"
    "2aUfIOA7iXEGhH0ryR6BqEfnZbeANBxsXt7/3DipXtSRMbYf7ToQ5S6X/+BPFJzoY5kny5"
    "uYacYMjSA16hjYeu3l1Rb7RfttneUmlEGpwl1ysX0+WdKfZOhL+lPSn33Vckl/Sv16od6x"
    "DCg5qi0otc3otv1V7QvBbCkMiK/DHl9JgooZUn8c4kLB0bVfdGgVfx5LhvzR6WlUKBgP/z"
    "IRGsi9SYBWJycwsyKTTqZC3mkN9SCMGFkgbyfnGBFsMqKh0RJy7JZQd3B/imQVzqPwyFqA"
    "DW2/ia/sCKOfvwzQgoop4qoxJ2g4NMR8OHyHJHQcmBVQKdNYyKqGw/8LOhx+QJbsBlAt4F"
    "94NueQ4a4mw+FraRa0kIcKuMVLDpDAAcrw3ZITlJzgX2czlpyg8Pott0Qq5ZbID6YBe7ol"
    "0iAmVaeVGPvfzUm1/fG6THmH9iF9zmnW7hMx4wl+MrXwiRQwaK16cZHpepiLlOthLiJxa/"
    "BR5UDYLV5AdM8y3ct6lnIv61n0XlZoUZC4E9E/97t3SaGXK5GwQUdVgf5GOuWHuPqngCvB"
    "CJhxkRtEw5eFhuwzWcH1a/9jjdcuZs//AAzqWL4="
)
