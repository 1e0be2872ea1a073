from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

# The columns a posting copies from its listing (and `amenities`, `is_active`, which decide
# whether it exists): a listing whose values of these change gets its postings rewritten.
_CHANGED = """
  (o."amenities", o."is_active", o."status", o."listing_type", o."property_type",
   o."city_key", o."price", o."bedrooms")
  IS DISTINCT FROM
  (n."amenities", n."is_active", n."status", n."listing_type", n."property_type",
   n."city_key", n."price", n."bedrooms")"""
_INSERT = """
  INSERT INTO "search_amenities" ("property_id", "amenity", "status", "listing_type",
                                  "property_type", "city_key", "price", "bedrooms")
  SELECT DISTINCT n."id", a."amenity", n."status", n."listing_type", n."property_type",
         n."city_key", n."price", n."bedrooms"
    FROM new_rows AS n
   CROSS JOIN LATERAL jsonb_array_elements_text(n."amenities") AS a("amenity")"""
_BACKFILL = _INSERT.replace("new_rows", '"properties"')


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Hand-written; the models do not change (MODELS_STATE is migration 5's).
    # An amenity search could not follow the page: the listings' btrees walk every listing in
    # sort order and check amenities on the rows, so when the first listings in that order
    # lack the amenity (rent + balcony by price; the dearest listings, land, have no pool)
    # the walk ran out and the GIN fallback sorted every listing with it (29 ms at 100,000
    # listings, 390 ms at 1,000,000).
    # `search_amenities` is a postings list: one row per (active listing, amenity) with the
    # columns the listings' btrees carry, so that the walk reads the listings with the first
    # amenity already in sort order (about 1 ms). Its btrees are those of 5_*, led by the
    # amenity: per sort key one without the kinds and one with them (one range per pair of
    # kinds); city is checked in the index. Only PostgreSQL has it (it is not a model), kept
    # by the two statement triggers below: with transition tables a COPY of a million
    # listings is one INSERT ... SELECT. A deleted listing's postings go with the foreign key.
    # About 4 rows per listing.
    return f"""
        CREATE TABLE "search_amenities" (
          "property_id" INT NOT NULL REFERENCES "properties" ("id") ON DELETE CASCADE,
          "amenity" TEXT NOT NULL,
          "status" VARCHAR(10) NOT NULL,
          "listing_type" VARCHAR(10) NOT NULL,
          "property_type" VARCHAR(20) NOT NULL,
          "city_key" VARCHAR(100) NOT NULL,
          "price" DECIMAL(14,2) NOT NULL,
          "bedrooms" INT NOT NULL,
          PRIMARY KEY ("property_id", "amenity")
        );
        CREATE INDEX "search_amenities_any_newest" ON "search_amenities"
          ("amenity", "status", "property_id", "price", "bedrooms", "city_key");
        CREATE INDEX "search_amenities_any_price" ON "search_amenities"
          ("amenity", "status", "price", "property_id", "bedrooms", "city_key");
        CREATE INDEX "search_amenities_kind_newest" ON "search_amenities"
          ("amenity", "status", "listing_type", "property_type", "property_id", "price",
           "bedrooms", "city_key");
        CREATE INDEX "search_amenities_kind_price" ON "search_amenities"
          ("amenity", "status", "listing_type", "property_type", "price", "property_id",
           "bedrooms", "city_key");
        CREATE FUNCTION "search_amenities_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {_INSERT}
           WHERE n."is_active";
          RETURN NULL;
        END $$;
        CREATE FUNCTION "search_amenities_update"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          -- A listing whose searched columns changed loses its postings and gets new ones
          -- (none while inactive); an update of anything else (a title, updated_at) costs one
          -- comparison per row.
          DELETE FROM "search_amenities" AS s USING old_rows AS o JOIN new_rows AS n
              ON n."id" = o."id"
           WHERE s."property_id" = o."id" AND {_CHANGED};
          {_INSERT}
            JOIN old_rows AS o ON o."id" = n."id"
           WHERE n."is_active" AND {_CHANGED};
          RETURN NULL;
        END $$;
        -- PostgreSQL allows transition tables only on a trigger of one event, and without a
        -- column list: hence two triggers, each comparing the columns itself.
        CREATE TRIGGER "search_amenities_insert" AFTER INSERT ON "properties"
          REFERENCING NEW TABLE AS new_rows
          FOR EACH STATEMENT EXECUTE FUNCTION "search_amenities_insert"();
        CREATE TRIGGER "search_amenities_update" AFTER UPDATE ON "properties"
          REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
          FOR EACH STATEMENT EXECUTE FUNCTION "search_amenities_update"();
        {_BACKFILL}
         WHERE n."is_active";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TRIGGER IF EXISTS "search_amenities_update" ON "properties";
        DROP TRIGGER IF EXISTS "search_amenities_insert" ON "properties";
        DROP FUNCTION IF EXISTS "search_amenities_update"();
        DROP FUNCTION IF EXISTS "search_amenities_insert"();
        DROP TABLE IF EXISTS "search_amenities";"""


MODELS_STATE = (
    "eJztXXlv2zja/yqE/0qBNJgc9fTNLBZQHLd1x0de22lndzJQaIm2OZElV6KTGrv97kvqsC"
    "mJkiUfiqwSGEwjiQ8l/x4ez83/1GaWjgznTJkgk9zZ1hgbqHYN/lMz4Yz9IXx+CmpwPl8/"
    "ZTcIHLmUNchaqnOvqfsIjhxiQ43Qp2NoOIje0pGj2XhOsGUymoaNIEE6IFMExth2CCB4hg"
    "A0AdQ0a2ES+i9xAHTcW+wF4MRGE+wQZAPLBs4LJtr0rd/4zRl7q25p9LXYnBzqBQsTf1sg"
    "lVgTRLu16Wv+/IvexqaOvtMf7l/On9QxRoYeAhXrrAP3vkqWc/deyyQf3Ibs20eqZhmLmb"
    "luPF+SqWWuWmOTsLv0S5HNfhm9R+wFg9ZcGIbPiwBt70vXTbxP5Gh0NIYLgzGIUXsfsL5X"
    "U9Vub6gOmkNVrcWYF1BwcPu3NMtkjKef6ri/fsI+4e3F+dWvV+8v61fvaRP3M1d3fv3hvX"
    "oNjEfowtMd1n64zyGBXgsX4zWojG3aUnUvY+g2ptAWwxshi+BMf0AU5wBVDmgfxhXOQZM1"
    "0OuBXwTSM/hdNZA5IVN6eX7xSwquX5R+45PSP6Gt3rBXWnSmehO56z+68J4x8NdgG1hDpo"
    "NUczEbITsP3nHK6kFez4J4PRnwegxvigR7fQznW6ThGTTEUK+JIhDrHtWZT318cKfAe9ts"
    "tDpK++Ty9MLF1/lmYIJ44K9i6D4tNdUhkCycPCM5TLXVKI6t0Flwpa2fkY3pZwbfdODhnG"
    "kBSVk/4suH5u3HKiSCIU2fsN1ZDHqYMjqufdKz4I9DseCQKwn9gXrPNJb+rEuBftjqNAdD"
    "pXPHXjdz6Eh38VOGTfbkwr27jNw9qUfYtOoEfG0NPwF2Cf7d6zZdeC2HTGz3jet2w3/X2D"
    "fBBbFU03pRoc5JEsHdALUQ1xdzfUuuhykl18vC9QAjju3+13Ncd5Ct5pJ4OYrNYm8W5h69"
    "3Ms0ifETJ/ayGyOoPb1AW1djT6wLSygiM2DjfOiZaGjR/7nMaNFvh6YmkoV9VfDe7+SomP"
    "AjGGPB3fX7bfiyUtH4oUd/Of29yJMdGsqgodw2az9CwIdxZo9mF7PoHWhSFUP3v4x9h4/j"
    "HVzOqKKpeDplTaB0R1qcpqndc6+t6quoGRXvr1RxpWow0AzMdF7ayVoD/g04U+vFBMRaN7"
    "DoCgWw6WCdUemIypAxXXtPfUr1ulzq9QiaT7mV6xBRcRLycevW/hTOb8mI0Em8c+Kd25YR"
    "p6wg5pdXGSC/vEpEnD36IfUAqQdIPWDnDVrqAdXTA1wcBdJ/gG+yzM8+Mpugn4yPFLPLJW"
    "ajGcRGHhlkRbAf0eN1wQ2bnd9lkTxoq2TD87u47EHnTF7BmqfZi7OqRCBfZhGoL5Pl6cuY"
    "OD2n+GzjGIzSVQ3p83oW1SUqoHGaSz2GNHScF4vuP1PoTHNBHSWsoNpyfvE+k6r4PkVVfB"
    "9FfExfnHf14Gmq5+o+jEb+TLdHW13YuXbCMFX1oL78JdtanbZYxwM5LA26n5UDaJ6mejAf"
    "ZESPsBVHeIi+J0jLfvMqgJtmwWj+MQwZLwIITzrKH29CBox2r/sxaM5B3mj3bgQCnoeYcE"
    "Q3qYARU3DjVoeggwKjOjx3SC0fG2qNdqvZHV77zpQHU/noXrrelqhrJtPozzT4U8Z+PHTJ"
    "MrbmRUBbZHCNr3bnYcL9oNm/BoySMuC20+pSBugzbD6Ynd5ts68Me/QxU+Dp11p2OdjChx"
    "CFWXNjUdShKV6ZeLIIV0aU7lBsWd0pdoW66fXaoRXqphVdgu47N00KfSTWLFD0OWuJo0KN"
    "4GfBXEgFPERXIOKBonS0gBvQIaqDkLmFnyFKuwdPwxFty+V2LMTjyjzz7Db+pDCl5PIxcD"
    "m3hTRGWAWxugBTaYDbNiZTEW31YN+/8VQGRidDf5yucRkY/TNyPSkgIocDfz08HOQ4FDZB"
    "csqNT/nh9z4ykmxyQQrngkwHXk9HOA6SHPeheWSROW2hox2R6pF5g/5VVZToCEZEndjQDx"
    "PeHqg+6+kj66iqWI3hs2VTFXNHoD743VQVprltzZFN8K443Xn9LKuKk2kRPMae92RHqLpc"
    "V1WFC5vfFtjeeVS13G6yDKqSaRs5QFpSKWPnZcoHig6tyq5UI8PSnhzVRhrCz0Lrdw68bl"
    "hnFUdqBnWRyVqi5CvsFkvGdrwVXZ3iiSAQJw9YDa6/nwMzg2pHErKNMru3XqkzqsHBya4L"
    "fcfrpapoOSwTUiKVASk4n1v0EUsddVRI/wviBnawM6y7/FlQW4duSNjSYHuGmP4AbGCyVB"
    "3D2tX8oHD9DWh3VcWNPnXTO/Y1Qxt+fz8FXvuYm1UELJ4flpLSFK6ytirvl4xqkEuWYRJH"
    "KgtWUEOP1GbYB2rx0hAVwS1n8hzv1BCVrQz7PFKqVtKGKu9nOWhK3Z98fqGNnq0nz4X3V6"
    "5cu/v71m2OZLvFAutnjGabVWxzHk3tH+OFqTFwgPsm9r+rf9YOO35EbkDP6e759XiPnfvT"
    "05PvpPc9EfAj9cNm8b6j73NMe9uC62HKCnL9SLicKX6MW2dzsjlMKaMEj4HLdLly8mU1xS"
    "mrF7B2lSVg7So5YC1eOrUEVT1eG+FD1PXYVKvjg2UjPDF/R8sDV+sox9K053odCVDbaExX"
    "oimV3J/Qru75vtfXkHVVIdzzmQ1yKnNB3JVAkeNCspKVuFD41+bihwqov9XxBBPAiE6BQ+"
    "ik0v1DAD51lAZYUPBt99AAOrye6Z8OooI+AScmYlfYBHSFhLbgwIE9951TpZwvbLqvumhx"
    "ikk+7VJWctmxkgvHhG1SHznyMldnqH1p9lsf/qU2O0qrfQ3c9MCll2rxYPabjOpOGQy+9v"
    "q318CLPAyqT0QnTRYB5gClyOn8zF1AI0RUZvZsKSfWs6ST1JOzSeqxZBJICJrNRR6fxIWG"
    "JylOUvyl1MuNtFVJW5W0VVXeikFlua2ygRxppToW/kqryc7bobSavJ7V5JB2gJDtRGAMiN"
    "pWki0CcYvOZrMAExxcvXzwSXl78a4OrLF76fYBsOPr8r/xN4mDjDF7xtrb0NStGRjRu3HD"
    "wN57lwVcy6X2uzzLrVCGqSpXynX/+qRUf5Khl+qPVH/KymWp/kj+BgUNhBpQclRbmGqf0W"
    "3lZe2GYLYUDchZhz3uqARVs3DEaUQXCo+ucqlDqyoLQmWIr8GQpgqFqz5sVoSGzDdJoTXQ"
    "W7qyAhtPpoSd3Eb7ARCY6AUEnpxTgKBtIh2MlvSJ+ybQG96dAdaFd0kCZS2kDe3/FQ/mCQ"
    "Sfvw7BCyZT4GjWHIHHR4vMHx/fAAadQzUrqkrZ1gvr6vHxb4IfH38DC/YZVNWi+heczR36"
    "wN9NHh93VbPoG/KoAn5zqQMk6AAyfFfqBFIn+OlkRqkTVJ6/0iVSky6RV1YDSuoSWRUQE2"
    "gAfHGxZPk/VMlsv9lt4dhDv4QXu/xLeiJe0RMhxeFk6KsrDvPzL/ucilDJ/VQQcSclFCmh"
    "HIOEIloN9gBrBWtzRqGNrIJlEgBX6AsEQJ4zyQJguEbrgesb0MFEkPqEljX66E+/aoiHqs"
    "xIebXQFEySjuJKiEoJCCqY4nCR6TTFi5TTFC/ipynyXxbDOfm4vwhZJdBOE6kPce7fau12"
    "YRMO8gxJV9FOysyKmnKn9Icd77y/ObTd2nEP5qfe/aB5DaYWFRQezLbSvb0GBjT1B3Pwqd"
    "cftpu0uTO1bDq1Cbun9Ju3KteVQ5Fiy/O6x0av02n2Gy2lfQ00azZDtoahEXXmvU76loEd"
    "Qt+/E9ejfZSa6X2XSbbLmIHSppx2oLdIv/6ZgmzXXwhSvLKxYU1d4HGPfk1CI/ic7JPvi9"
    "JqKzeMAas+Hsy7Zve21f14DebI1CkrWA5kd9i89TiG2CTstemVYxlb5T/un2dzG2uCmXOL"
    "NDyDRpK1AAs1Bd0jOvOJyzNr9rFr3TYbrY7SPjm/Or2IHD7IV86InfpooolFcDDEwihvOv"
    "kxTCvP28xx/CPUdRs5CYtRQsLpmqTMW8CWAu9Bjg/XsMi2kJI47bevIL7nmfA9T8H3PI6v"
    "q0fnAXhFIBHOhjAr5EIWojMOUrdAnmznXfB4wgqCTfD/TuuZ90DDMidbQczTSYxTMR4h3b"
    "asWZ7yCjyJLK8QFR9GkExzI8rTSEhjEpmNoOp8Gwvc0ck1QHiarSAt2bzfN6jjhW1iZ4pE"
    "JxmlKRchOqlY5FEsZsjE4qPuPg963YRxzBNF9zKsEfBfwKxQBzNzrIszjxbYINh0ztj7Xq"
    "M+MwMp3fobNfSehoMkWAdR66+DoK1NVYK+C1aXZMN7hKxAu9MrAH8QsztT6Fw/Xwz1dCUw"
    "oKkA5EWpgXlhDhFJnLPgjB0V0mXyeQtT3ZquwN008E4f7WYqYxSTh3t1YxTlefdV47ogxS"
    "N+/BcXBJRV/eNIZATl5gjKhMPBZAhlOM6PH1ahIL8+HeP9VmOYrV54kFKhqyOBYCbPh+fk"
    "qtnuJ3EGUY6tWYXP4yz8xPOjRCl0gPBuSOU8PLhk1sRMaBV9EO4xYsSf6LobTvnOcT1GrF"
    "bHa+4887IeqnksKBWRAOBtfylZAKv9cWMqwFJd78sHzgeI5pdZDnb7lRkAhWYALGwjjwXR"
    "b17BUJKDBENhR53bdErZIm1gg/mQI5TeuBwGxNVKkn2x4Emkl15aZKtum5NZ40XPpxQLnU"
    "zIreUw1JU4IbdrETzGGiQJR4+HnqdK4ybXsuCzx1mNFpafGzqOHMrc3OIlc/QstNwny+Yr"
    "ggpK5/s/ppbhHkc3OV4raF+OUC322sqEagULTE7pkiOThfzK4+WNi5JSgUhe5aqrQMjiSL"
    "I4UgkUhpKWbwz8sQI9gXPVJqsIIbdwsab6dVZ+UNBRKgVFKQVj+lbVvcihGISIKqgcnGcq"
    "InKeUkXkPF5GxD2wOpf6FRBUEOGLd1lK9dNWyXVa3sUO7JpTlHKN4xXBVgiXTMCPDOF6lh"
    "Eclea4AVyPojtbR2dkzX3hSCoxhovOfPH25N3qTUX7KDMjah+b3Waf1YDyvsd4MBtKu32j"
    "NH6/Bho0DCYqPZiD1rCpfmnRf66BgwlSnzH9p7bNMrT3YlFzG42RzapbsRgWKkKpgSKZeV"
    "FK7KGCq9QhNtojLBFlopectrdat/n1mh1fxGqndYdKw60A5Y8YVgTq/++VdutDi939toAG"
    "pljobtsvzX7Q9pkK4exuuzegU8mwnJJMImnfSYa+wvYdmbJTMa5nSdmRYQHVKSZfNllDxl"
    "mUx2yaKc4iOnyLs0aXbOjuaoym7wfd+3Y7W5aZaZE9pQN1rWplmBVgsXchS7baB4hustwv"
    "1RUXD2q9l+b5Is3zeavNFF9mpkLmNql2Jo/z41RAsqid9OHUyikoh2ik8iFQPoJNKd+uEC"
    "KSuG7WQfDatb+jnFy9fO6orBweXZsVEG+SF6eCHCuuocUwd62LQ0rYN4alPdUEsrX3IFWq"
    "HrEmBznJ1O15pbZ5V7o8y/S1RW0p/f2M0h83/bJPqTCRlFNExa1Di1wuXKVcnV3+8xGTQs"
    "omISU8tDYLf/4Ul8BmA1YvYUR0qO6SQAiM1mVKlgVjxaA2ioS14RSBOcQ2wA5wCB0zOrBs"
    "HbF/T1yjvWG9gH8A988pnkzfAMcCmIApdIBlImBbL6fAtAggL9ZZLcKx/fcuFFSDnnzern"
    "oTyaqx1gZ0iOoHALrJnqsk0KALUSMp8hYp8rrwO+hbDmh5ElnZIir1sOHvZhHmBDVCJoGN"
    "AuuuGVsgG6OT0MbGbGQNjoGbrvwKyGXybHnireIar7RzJE+t6to5Xi/MrmRT+SBRdpxImy"
    "fUjiOTxo4kbNcqRR5o11QS2WyZ3wwyae7IFHC3HlzZwhjdiS6xzYQttyZuBvd1QnBLtqPt"
    "IwI3X7xo0eW+j2VAHzRcNIBLYMnkkEw2YvJM27dLmzeQBkUdqL7t2vwcRJkUGN41A/vnYs"
    "QNiJx6Ie2AhdoB89lUCreklB5Zzm1k6YLNKDleN2gv43W3idddLSYxxFNOhuSJqpdRXc9S"
    "V6OeXFajHquqIe1FydBX114kSyjmW99KxN5sVuC4xJZx+xdQSlFAdGyAtLgeBlgbaQg/54"
    "0ti1DJIStANqSqZdYGOBqJ6mZbqxYJO9rRbpXzdLmygZ3VeCXYdTabB72xKQ2vm8ANzeHN"
    "sAZLqQR2E7CRTUcatPeK7q4G7UNaa/kzGgUW28gRjslW2+ipkQeuzBuyjgRHd/BnGQf31m"
    "XSHG2K9IUhDbevYbjlsY/Bm66qR2kraJ+pksJOt2hnCy5zZJLBpWawvrA96XaGzYWwHs9g"
    "Bg0jcc0U0VdJH7u8+LW+Wj/ZRdrSOego7bZAwT2+0qBzOoMZOvnArd01u7et7sdr4NO7pT"
    "8/tPodv/TnGNszVvqz3/zc9GqH2uhv5JUObSjdRrPtNmQ4GF7h0M5du+kXDp3NmZjlDcG8"
    "FV8zFXxNqfcaKxZq+gWSsrrcgvZV8P0U7XHzxggLqHdExotk0GOEEn1Zn0h64mRZ3J+R6w"
    "JxMFYWl9e5MyrNPEmVBL/9nTudHC+S7O1MCReRqNbiVjjp56xUueGSYbxf03B8cZAujY2O"
    "OH5BzFBEbSJRzVJDbbIJ1Cxx+ez4D+Yc2DEwv+F3U53l4aCB+cozxBQPbGCyHBiW2N8TbX"
    "Oa6vThWqsObZ6x6EjPROAFoSdjCV4oB1iRD2yC+2ED+DZB4GA6y+iVbuLJlIATZOpgBpdg"
    "hMD51dUvp6tHb+JFR/beexaHFD8x2Mt1uJROpmKdTAHsMWTT7dEcWZXk5j2ZoW3i2+nzwh"
    "qlldhGjtk09S2RDVNKXH9Ig0SxGp6UlQ8uKx9SDlyJzeJacyuROrXO3Fp+L0ukD69KR0J/"
    "2IrJzMdSIiu4VLE/TjyMYvhm82bHOilzDmKt3+wOmY/aJA/mQGk3r4EDDVQODzScWQvRwn"
    "2LNEwljoTNcUUUdcx4VGc+dXl4sA+/6G2z0aLyxcn5+9MLF2HnG1VyEQ/9VQxfxnVoqHQV"
    "whYV0ei4neaOjknqo0KG5/1pJu6aHh/O6eGEIUqZ/Fce36IwlnArHvN0ksNl5vARBrrBF4"
    "gJ5Y86h8sgLj6PhKB8VVrDVvejeqf8q+NKC9EeH0z/kTq4v+m0hm40m/9MdRajGSZu/JvS"
    "GLa+UAmDCkf4GT2YdNOiSyVrTPdmA5tJMXLNP+5afXYLfZ9je59Rcwc4p97/2e5h88gfBP"
    "GxkuC8FRFXIaIrKilmExXTZEV5tnnlw3lkENfPyHUZxPU64UZcQlxOZGOEFdL9ZIxcqVGV"
    "MXIyRq50fhQZIydj5I4J1c1+vwQ5YQ/QRvL1q7kgxCWkUpVU+GyN+gvhSV7+k9M03+rf1k"
    "i1FxmP79rNteqawv16CMxhSl/tujq429JfWqS/1GdAVvOW37zM/tAtLVpXWQxaV8n2rLhv"
    "bp5PopU6QnLxtfXyEAM0g+utyiai4zUJxS2B6zINAvdMhuIOlavrsD/L0HjsFjDIYxPiSO"
    "TJcFFArac4lDeWZSBoiuH0CCJAjijFEY7OFKRuer12aLm5aUWz9+87N83+yXkkxEUQrWzb"
    "lqCOXnIhhRVBFdxtRRRQiFmLXkd5UZCNtWlNlBrkPTlNTQhatzmk6iK1kiK1ElbPVFgDNl"
    "kz4UgqqJ1cvHuXJczh3bvkOAf2LOYvyoOw37yC6B4mmsEyidDC9nnQ6yZ4i9YkUVUFawT8"
    "FxjYOUZxNgVcBkb6Zhbdt07Digfr4NU3sx//A1PoOpA="
)
