from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Hand-written (PostgreSQL only, the models cannot say it): pg_trgm and a trigram GIN
    # index on properties.search_text. Text search `q` is a substring match (ILIKE-like:
    # "lekk" finds "Lekki"), the same on SQLite and PostgreSQL; trigrams let PostgreSQL
    # answer `search_text LIKE '%q%'` from the index instead of scanning every listing, which
    # full-text search (word stems, no partial words) would not do for this kind of query.
    return """
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE TABLE IF NOT EXISTS "properties" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL,
    "property_type" VARCHAR(20) NOT NULL,
    "listing_type" VARCHAR(10) NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "price" DECIMAL(14,2) NOT NULL,
    "is_negotiable" BOOL NOT NULL,
    "address" VARCHAR(300) NOT NULL,
    "city" VARCHAR(100) NOT NULL,
    "state" VARCHAR(100) NOT NULL,
    "latitude" DECIMAL(9,6),
    "longitude" DECIMAL(9,6),
    "bedrooms" INT NOT NULL,
    "bathrooms" INT NOT NULL,
    "area_sqft" INT,
    "furnished" BOOL NOT NULL,
    "search_text" TEXT NOT NULL,
    "is_active" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_properties_is_acti_457ab8" ON "properties" ("is_active", "status", "created_at");
CREATE INDEX IF NOT EXISTS "idx_properties_is_acti_2a247e" ON "properties" ("is_active", "status", "price");
CREATE INDEX IF NOT EXISTS "idx_properties_city_e2eecb" ON "properties" ("city", "property_type", "listing_type");
CREATE INDEX IF NOT EXISTS "idx_properties_agent_i_bb1b35" ON "properties" ("agent_id", "created_at");
CREATE INDEX IF NOT EXISTS "idx_properties_search_trgm" ON "properties" USING gin ("search_text" gin_trgm_ops);
COMMENT ON COLUMN "properties"."property_type" IS 'APARTMENT: apartment\nHOUSE: house\nLAND: land\nSHORTLET: shortlet\nSHARED_APARTMENT: shared_apartment\nCOMMERCIAL: commercial';
COMMENT ON COLUMN "properties"."listing_type" IS 'RENT: rent\nSALE: sale';
COMMENT ON COLUMN "properties"."status" IS 'AVAILABLE: available\nPENDING: pending\nRENTED: rented\nSOLD: sold';
        CREATE TABLE IF NOT EXISTS "favorites" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "property_id" INT NOT NULL REFERENCES "properties" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_favorites_user_id_336222" UNIQUE ("user_id", "property_id")
);
        CREATE TABLE IF NOT EXISTS "property_amenities" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(60) NOT NULL,
    "property_id" INT NOT NULL REFERENCES "properties" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_property_am_propert_593994" UNIQUE ("property_id", "name")
);
CREATE INDEX IF NOT EXISTS "idx_property_am_name_14b8ed" ON "property_amenities" ("name", "property_id");
COMMENT ON TABLE "property_amenities" IS 'One row per amenity, so \"has all of these amenities\" is an indexed lookup on SQLite';
        CREATE TABLE IF NOT EXISTS "property_images" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "url" VARCHAR(300) NOT NULL,
    "is_primary" BOOL NOT NULL,
    "position" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "property_id" INT NOT NULL REFERENCES "properties" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_property_im_propert_0b4c97" ON "property_images" ("property_id", "position");
        CREATE TABLE IF NOT EXISTS "notifications" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "event" VARCHAR(40) NOT NULL,
    "data" JSONB NOT NULL,
    "read_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_notificatio_user_id_bf5d2b" ON "notifications" ("user_id", "id");
CREATE INDEX IF NOT EXISTS "idx_notificatio_user_id_87be33" ON "notifications" ("user_id", "read_at");
        CREATE TABLE IF NOT EXISTS "inquiries" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "full_name" VARCHAR(120) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "phone" VARCHAR(16),
    "message" TEXT NOT NULL,
    "inquiry_type" VARCHAR(20) NOT NULL,
    "preferred_contact_time" VARCHAR(120),
    "status" VARCHAR(20) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "property_id" INT NOT NULL REFERENCES "properties" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_inquiries_propert_f75e01" ON "inquiries" ("property_id", "status", "id");
COMMENT ON COLUMN "inquiries"."inquiry_type" IS 'GENERAL: general\nCALLBACK: callback\nSITE_VISIT: site_visit';
COMMENT ON COLUMN "inquiries"."status" IS 'NEW: new\nCONTACTED: contacted\nQUALIFIED: qualified\nCONVERTED: converted\nLOST: lost';
        CREATE TABLE IF NOT EXISTS "inquiry_notes" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "author_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
    "inquiry_id" INT NOT NULL REFERENCES "inquiries" ("id") ON DELETE CASCADE
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_properties_search_trgm";
        DROP TABLE IF EXISTS "properties";
        DROP TABLE IF EXISTS "favorites";
        DROP TABLE IF EXISTS "property_images";
        DROP TABLE IF EXISTS "property_amenities";
        DROP TABLE IF EXISTS "inquiry_notes";
        DROP TABLE IF EXISTS "inquiries";
        DROP TABLE IF EXISTS "notifications";"""


MODELS_STATE = (
    "eJztXWtz4rYa/isaPmVnspmGJHSbdjrjEHaXlkAKZLenm44jbBF0YmTWFskyPfvfj+QLyF"
    "dsLo5x9WU3tvXK5nl1ee/6pzY1dWTYJ8ojIvTWMsfYQLVL8E+NwCn/I/b5MajB2Wz1lN+g"
    "cORQ1iBvqc7cps4jOLKpBTXKno6hYSN2S0e2ZuEZxSbhNE0LQYp0QCcIjLFlU0DxFAFIAN"
    "Q0c04o+5/aANrOLf4CcGShR2xTZAHTAvYLptrkrdf4zQl/q25q7LWYPO7rBXOCv86RSs1H"
    "xLq12Gu+/M1uY6Kjb+yHe5ezJ3WMkaEHQMU678C5r9LFzLnXJvS905B/+0jVTGM+JavGsw"
    "WdmGTZGhPK77IvRRb/ZeweteYcWjI3DI8XPtrul66auJ8o0OhoDOcGZxCndj9gda+mqt3e"
    "UB20hqpaizDPpxDg9m5pJuGMZ59qO7/+kX/C2/rp+Y/n784a5+9YE+czl3d+/O6+egWMS+"
    "jA0x3WvjvPIYVuCwfjFaicbdpCdS4j6DYn0IqHN0QWwpn9gDDOPqoC0B6MS5z9JiugVwO/"
    "CKSn8JtqIPJIJ+zytP5DCq6flH7zo9I/Yq3e8FeabKa6E7nrPaq7zzj4K7ANrCFiI5XMpy"
    "Nk5cE7Slk9yBtZEG8kA96I4M2Q4K+P4HyNNDyFRjzUK6IQxLpLdeJRHx7cKfBet5rtG6Vz"
    "dHZcd/C1vxqYIhH48wi6TwtNtSmkczvPSA5SbTSKIyt0FlxZ62dkYfaZ/jfteThnWkBS1o"
    "/o8qG5+7EKacyQZk/47hwPepAyPK490hP/j32xYJ8rCfuBeo8YC2/WpUA/bN+0BkPl5pa/"
    "bmqzke7gpwxb/EndubsI3T1qhNi07AR8bg8/An4J/up1Ww68pk0fLeeNq3bDv2r8m+Ccmi"
    "oxX1SoC5KEf9dHLcD1+UzfkOtBSsn1snDdx0hgu/f1AtdtZKm5JF6BYr3Ym4W5By/3ck1i"
    "/CSIvfzGCGpPL9DS1cgTs27Gisgc2CgfegQNTfaPw4w2+3ZItDhZ2FMF77xODooJ3/0x5t"
    "9dvd+CL0sVTRx67Jez34tc2aGpDJrKdav2PQB8EGf+aFqfhu9AwlQM3fsy/h0ejrdwMWWK"
    "puLqlLUYpTvU4jhN7Z65bVVPRc2oeH9miitTg4FmYK7zsk5WGvDPwJ6YLwRQc9XAZCsUwM"
    "TGOqfSEZMhI7r2jvqU6nW51OsRJE+5lesAUXES8mHr1t4Uzm/JCNFJvHPinduWEaWsIOZn"
    "5xkgPztPRJw/+i71AKkHSD1g6w1a6gHV0wMcHGOkfx/fZJmff2Q2QT8ZHylml0vMRlOIjT"
    "wyyJJgN6LH64IbNDtfZJE8WKtkw/NFVPZgcyavYC3S7MRZVSKQz7II1GfJ8vRZRJyeMXw2"
    "cQyG6aqG9Gkji+oSFtAEzaURQRra9ovJ9p8JtCe5oA4TVlBtOa2/y6QqvktRFd+FER+zF+"
    "ddPUSa6rm696ORP7Pt0VLnVq6dMEhVPajPfsi2Vqct1tFADlODzmflAFqkqR7MexnRI2xG"
    "ER6ibwnSste8CuCmWTBafw4DxgsfwqMb5c83AQNGp9f94DcXIG92elcxAp6LWOyIbjEBI6"
    "LgRq0OfgcFRnW47pBaPjbUmp12qzu89Jwp90T54Fw63pawaybT6M80+FPGfjR0yTQ25oVP"
    "W2Rwjad252HC3aDVvwSckjHg+qbdZQzQp5jck5vedauvDHvsMVfg2deaVjnYIoYQBVlzZT"
    "LUIYlfmUSyEFdGjG5fbFneKXaFuur1OoEV6qodXoLubq5aDPpQrJmv6AvWEluFGsXPMXMh"
    "FfAAXYGI+4rSwQJuQJuqNkJkAz9DmHYHnoYD2pbL7ViIxpW55tlN/ElBSsnlQ+BybgtphL"
    "AKYnUBplIft01MpnG01YN998ZTGRidDP1husZlYPS/ketJARE5HPir4WEj22awxSSnXHmU"
    "73/vIyPJJuencM7pZOD2dIDjIMlxH5hHJp2xFjraEqkenTXZX1VFiY1gRNVHC3phwpsD1e"
    "c9feAdVRWrMXw2LaZibgnUe6+bqsI0s8wZsijeFqdbt59FVXEiJsVj7HpPtoSqK3RVVbgw"
    "+TrH1tajqu10k2VQlUzbyAHSgkkZWy9THlBsaFVqpYqGQqZE7wULCiwrWSQD64dNZpDAQk"
    "U0KjgYQ2lIu0AtmgVVEdxyxomK8ntchZageJ9SoIU1VEWVYq/Ro1/EUFoLPZtPrrb6d66w"
    "0ru79nWOuNL5HOsnnGaTVWx9yFjtl/GcaBwc4LyJ/3P+a06n4S5suK59yVVhReXU+enpca"
    "bS0JQI+IGaHLIYmtC3GWa9bcD1IGUFuX4gXM7kKhHW2ZxsDlJKh9ghcJktV3a+AL4oZfV8"
    "M+dZfDPnyb6ZaJWgEiSwvTbC+0hhW5eW9t60EH4kv6PFnhPTyrE07Tg1LQFqC43ZSjRhkv"
    "sT2tYS1Xf7GvKuKoR7PrNBTmXOdzHEKHKC9yFZiQt4OtbX+VBA462OHzEFnOgY2JRNKt2r"
    "d/nxRmmCOQPfcupjsuH1zP60ERP0KTgiiF9hAtgKCa2Y2po77junSjmbW2xfddASFJN82q"
    "VMWtwyaVFgwiZRvgJ5mRORap9a/fb7/6itG6XduQROJOzCjSq6J/0Wp7pVBoPPvf71JXCd"
    "bH6iVXjSZIrp2X3VPTY/c+eKBYjKzJ4N5cRGlsipRnLgVCMSNwUpRdNZnG81caERSYqTFH"
    "8o9XIjbVXSViVtVZW3YjBZbqPAN1taqQ6Fv9JqsvV2KK0mr2c12acdIGA7iTEGhG0ryRaB"
    "qEVnvVmACw6OXj74qLytXzSAOXYunT4Atj1d/mfxJrWRMebPeHsLEt2cghG7GzUM7Lx3Wa"
    "uoXGq/w7PcCmWQqnJVi3avT0r1Jxl6qf5I9aesXJbqj+Svn7sTqwElR7UFqXYZ3VZe1q4J"
    "ZkvRgOxV2OOWSlA1c6SOQ7pQcHSVSx1aJhTFKkNiulGaKhRMcFqvCA25b5JBa6C3bGUFFn"
    "6cUH5IAesHQEDQC/A9OccAQYsgHYwW7InzJtAb3p4A3oV7SX1lLaAN7f4V9+QIgt8+D8EL"
    "phNga+YMgYcHk84eHt4ADp3NNCumSlnmC+/q4eG/FD88/Azm/DOYqsX0Lzid2eyBt5s8PG"
    "yrZrE35FEFvOZSB0jQAWT4rtQJpE7wr5MZpU5Qef5Kl0hNukReWQ0oqUtkmSsfowGIefTJ"
    "8n8gaX+32W3B2EMvW51f/i09Ea/oiZDicDL01RWHxfmXfU6FqOR+GhNxJyUUKaEcgoQStx"
    "rsANYKlqEJQxtaBcskAC7RjxEARc6kHIYbKEe05/oGgQLNbGTRufNWMRvlGCQ2m1mYjUSn"
    "hYbd37VkjTMq+bqDbco+y712mrqlSVzWybSXV4t/wTSptH1C6ItPUME8inqm00nqKaeT1K"
    "Onk4hfFsE5+fiMEFkl0E6T2/dxjkZkFdoosyvcSZlZUVNulf7wxj0/YwYtOnVO1PjYuxu0"
    "LsHEZNLIPeko3etLYECi35PBx15/2Gmx5vbEtNjUpvye0m9dq0JXNkOKL8+rHpu9m5tWv9"
    "lWOpdAM6dTZGkYGmGP4evkiAX2mg25Hu6j1EzvO0yyHMYMlA7jtA3dRfr1z+hYiQmbsEEQ"
    "Moo7PgU+Q+z2kHfyfVLaHeWKM2DZxz25bXWv290Pl2CGiM5YwRMtu8PWtcsxxCdhr8OubN"
    "PYKMly9zxzBboIy66RhqfQSDJJ4Fh1RHeJTjzi8syaXexa161m+0bpHJ2eH9dDh3mI5Tki"
    "p6gQ9GhS7A+xIMrrTlIJ0srza3IcpwJ13UJ2wmKUkNW6IinzFrChwLuX4/h8HTArxEudsX"
    "r4nmbC9zQF39MovnxPzKWyLQkkwtkQ5tVi6FzPuwWKZFvvgocTu+Bvgj8dNzLvgYZJHjeC"
    "WKSTGKdiPEK6ZZrTPDUcRBJZwyEsPowgneRGVKSRkEYkMgtB1f46jvF5JxcaEWk2grRk83"
    "7XoI7nFsH2BOU9FzNAJxWLHIqFjaClTVSKvsUM5GQbb4isQBNHTstGaS288kTSgke6jFJK"
    "XsarG6UkD3erGtdjgrwjB2GIHvqssplAImOo1sdQLc+4l0FUaZE+4rAKhPn02Rjvt5vDbB"
    "WD/aBqXR3FWCjlYWjCuJwignd3FpridFelWLSgFDplA3RHULV5X5UFqujD0A4GpSKCEf1Z"
    "mBKTKEzUtaGJCzWwSmQp1YWcRG5GDFzSxTGwTXBfm/BK24bhVdeyEVj2fF/jlbQgAR7DgG"
    "GaT/MZMAkY/NHxVuBQya49vOWeQKKDW1e+YrdYP/gJgaPfBr0uYNykjJc8MIZ3Q0y6cv+v"
    "ukgsDf4lHMjq8CacjPOltjyDPJyyI6Mli4qWzHuE/FbHxpdt7QrVB8jid2sku90aMVEnMh"
    "WmEKVDZhmkbcVh3eMAsgxcmTFlW18KlRk29ZUwu+ekg/DMNW3s9Cv3tEL3tLll5NnSvOYV"
    "3NH2EgyFbXVmsSllxRkc1ngoBELpjcvho1iuJDmkCIFEeuml06fq5n+Zml70fJLyePXl8a"
    "5J8RhrkCacbx54niqNE6FlwQecc6sSz88NnHkOZW5u8ZI5eo51DibL5kuCCkrnuz8Ll+Me"
    "RZdbdBMycr32YSkGaxT8D/CEwX2BXPtlPCcaxw+M5tigmNgn/LW/1oqX0zk+AQEmEsYVjt"
    "gKSSa8g3AYl7/A5JQuBTJZLbA8gSRRUVIqEMmrXHUVCFmBSVZgKoHCUNIakX4QQ4yeIMQ3"
    "JKsIgViKYk31q6x86YIuWikYs7eqef3QAaIKKgenmYqInKZUETmNlhFxTsXOpX75BBVEuH"
    "6R5TwA1iq5TstF5FSwGUMp1zheEmyEcMkE/NAQbmQZwWFpThjAjTC6U2Tbnts3a0KSQFKJ"
    "MVx4OpK7cbuoxY7r9SVvwn2UmRG1D61uq89rQLnfY9yTptLpXCnN3y+BBg2Di0r3ZNAett"
    "RPbfbfJbAxReozZv/VNlmGdl4samahMbJ4dSsnjE+jqq9IZl6UEnuo4Cq1j432AEtEEfSS"
    "0/ZW67Y+X/IzknjttO5QaToVoLwRw4tA/XGndNrv2/zu1zk0MMNCd9p+avX9ts9MCOd3O7"
    "0Bm0qGaZdkEkn7TjL0FbbvyKzAinE9xpgbyeGQYQHVqVhfNllDxlmUx2yaKc4iPHyLs0aX"
    "bOhua4xm7wfdu04nWyIrMemOcui6ZrWSWAuw2DuQJVvtfUTXWe4X6pKLe7XeS/N8keb5vC"
    "WAiq/9UyFzm1Q7k8f5YSogWdRO9nBi5hSUAzRS+YhRPvxNKd+uECCSuK7XQfDKtb+lnFy9"
    "IghhWTk4utYrIO4kL04FOVRcA4th7nI6+5SwFWRhbVKLEa69J6lyNVy1kQL1Ia2XaQL1M7"
    "Ls2Fy+ZIecQFIJsTociXGRKRLjIiUS4yLswOGTKgfCXvMKoruXevLcyxebypGcbCCQFJ9v"
    "8Doq4s4yCyLiV5Gb2ff/Az1t/KE="
)
