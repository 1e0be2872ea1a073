from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Hand-added: the UPDATE backfills the keys of existing listings (PostgreSQL's lower()
    # is Unicode-aware; the app writes str.casefold() from now on, see properties/derived.py).
    return """
        DROP INDEX IF EXISTS "idx_properties_city_e2eecb";
        ALTER TABLE "properties" ADD "state_key" VARCHAR(100) NOT NULL DEFAULT '';
        ALTER TABLE "properties" ADD "city_key" VARCHAR(100) NOT NULL DEFAULT '';
        UPDATE "properties" SET
            "city_key" = lower(btrim(regexp_replace("city", '\\s+', ' ', 'g'))),
            "state_key" = lower(btrim(regexp_replace("state", '\\s+', ' ', 'g')));
        CREATE INDEX IF NOT EXISTS "idx_properties_city_ke_40d20a" ON "properties" ("city_key", "property_type", "listing_type");
        CREATE INDEX IF NOT EXISTS "idx_properties_state_k_fac935" ON "properties" ("state_key");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_properties_state_k_fac935";
        DROP INDEX IF EXISTS "idx_properties_city_ke_40d20a";
        ALTER TABLE "properties" DROP COLUMN "state_key";
        ALTER TABLE "properties" DROP COLUMN "city_key";
        CREATE INDEX IF NOT EXISTS "idx_properties_city_e2eecb" ON "properties" ("city", "property_type", "listing_type");"""


MODELS_STATE = (
    "eJztXWtz27YS/SsYfXJmHE/9UlO30xlaVhK1suRKctLbuENDJGThmgIVArKj6c1/vwAfEv"
    "iSST1oisWXxCSxIHUWjz2LxeKf2sQ2kUWPtAdE2I1jj7CFahfgnxqBE/FH4vNDUIPT6fKp"
    "uMHg0JWsQVFSn3pF3UdwSJkDDcafjqBFEb9lImo4eMqwTYRMw0GQIROwMQIj7FAGGJ4gAA"
    "mAhmHPCOP/MwogdW+JF4ADBz1gypADbAfQZ8yM8Vu/8Jsj8VbTNvhrMXnY1QtmBH+dIZ3Z"
    "D4hX6/DXfPmb38bERN/4D/cvp4/6CCPLDIGKTVGBe19n86l7r0XYe7eg+PahbtjWbEKWha"
    "dzNrbJojQmTNzlX4oc8cv4PebMBLRkZlm+LgK0vS9dFvE+UZIx0QjOLKEgIe19wPJeTdc7"
    "3YHebw50vRZTXiAhwe3fMmwiFM8/lbq//kF8wtuT47Mfz96d1s/e8SLuZy7u/Pjde/USGE"
    "/QhaczqH13n0MGvRIuxktQhdqMue5extBtjKGTDG9ELIIz/wFRnANUJaB9GBc4B0WWQC8b"
    "fhFIT+A33ULkgY355fHJDytw/aT1Gh+13gEv9Ua80uY91evIHf/RifdMgL8E28IGIhTpZD"
    "YZIicP3nHJ6kFez4J4PR3wegxvjoR4fQznK2TgCbSSoV4KRSA2PakjX3r/4F4B71Wz0brW"
    "2genhycuvvSrhRmSgT+Lofs4N3TKIJvRPC05LLVWK46N0Flw5aWfkIP5ZwbftOPmnGkAWT"
    "F+xIcPw5uPdcgSmjR/ImbnZNDDktF27YseBX/sSgW7HEn4DzS7xJr7vW4F9IPWdbM/0K5v"
    "xOsmlLd0Fz9t0BRPTty788jdg3pETYtKwOfW4CMQl+CvbqfpwmtT9uC4b1yWG/xVE98EZ8"
    "zWif2sQ1OyJIK7AWohrc+m5ppaD0sqrZdF6wFGktr9r5e0TpGj57J4JYmXzd4syt17u1cw"
    "idGjZPaKG0NoPD5Dx9RjT+wTO9FEFsDG9dAlaGDzf1xltPi3Q2Ik2cI+Fbz1K9krJXwP2l"
    "hwd/l+Bz4vKJrc9Pgv578XebZDQ+s3tKtm7XsI+DDO4tHkZBK9AwmnGKb/ZeI7fBxv4HzC"
    "iabmccpaAumOlDhcRbunXlndp6gZifdnTlw5DQaGhQXn5ZUsGfDPgI7tZwKYvSxg8xEKYE"
    "KxKaRMxG3IGNfeUp2KXpeLXg8hecxNrkNCxVnI+82t/S6c35MRkVN458Q7ty8jLllBzE/P"
    "MkB+epaKuHj0XfEAxQMUD9h4glY8oHo8wMUxwfoP8E23+cVHZjP00/FRZna5zGw0gdjKY4"
    "MsBLZjerwuuGG383kWy4OXSnc8n8dtD95n8hrWssxWFqtKBPJpFoP6NN2ePo2Z01OOzzoL"
    "g1G5qiF9XM9CXaIGmsRc6jGkIaXPNp9/xpCOc0EdFawgbTk+eZeJKr5bQRXfRREf8RfnHT"
    "1kmeotde+GkT/x6dHRZ06umTAsVT2oT3/INlavGqzjgRy2Ad3PygG0LFM9mHfSoofYjiM8"
    "QN9SrGW/eBXAXeXBaP45CDkvAggPrrU/34QcGO1u50NQXIK80e5eJhh4HmKJLbrJDYwYwY"
    "17HYIKCozq8JZDavnUUGu0W83O4MJfTLkj2gf30l1tiS7NZGr9mRr/irYfD12yrbV1EcgW"
    "GVzj0+48SrjtN3sXQEhyBVxdtzpcAeYEkzty3b1q9rRBlz8WBJ5/re2UQy1yCFFYNZc2Rx"
    "2S5JFJFotoZcjldqWWxZ1iR6jLbrcdGqEuW9Eh6Pb6ssmhj8SaBURf8pZQHRoMPyX0hZWA"
    "h+QKRDwgSnsLuAUp0ylCZI11hqjsFlYa9mhaLvfCQjyuzHPPrrOeFJZUWt4HLef2kMYEq2"
    "BWF+AqDXBbx2WaJFs92LfvPFWB0enQ7+fSuAqM/jdqPS0gIscC/rJ5UEQphy1hc8qlL/n+"
    "9x6y0nxywRbOGRv3vZr2sB2kLdyH+pHNpryEiTZEqsumDf5XVVHiLRgx/cGBfpjw+kD1RE"
    "0fREVVxWoEn2yHU8wNgXrvV1NVmKaOPUUOw5vidOPVM68qTsRmeIS91ZMNoepIVVUVLky+"
    "zrCzcatqudVkaVQlYxs5QJpzK2PjYcoHijetSo1U8VDIFdF74YQCi0wW6cAGYZMZLLBIEo"
    "0KNsbINqRtoBbfBVUR3HLGicr2e1KGlrB5vyJBCy+oy5Rip9GjX+RQWgc92Y8eW/07V1jp"
    "7W3rKkdc6WyGzSMhs84o9nLIWO2X0YwYAhzgvkn8c/ZrzkXDbfhwPf+SR2Flcur+9NVxps"
    "rRlAr4nrocsjia0Lcp5rWtofWwZAW1vidazrRUIo2zOdUcllQLYvugZT5c0XwBfHHJ6q3N"
    "nGVZmzlLX5uJZwkqwQa210Z4F1vYXtqW9t52EH4gv6P5jjemlWNo2vLWtBSoHTTiI9GYW+"
    "6PaFNPVM+rayCqqhDu+dwGOclcsMSQQOSk1Yd0Ehda6Xg5z4cG6m9N/IAZEEKHgDLeqUw/"
    "3+XHa60BZhx8x82PyZvXE/+TIm7oM3BAkLjCBPAREjoJuTW3XHdOSjmdOXxeddGSiEk+dq"
    "k2LW64aVFSwjpRvpJ4mTci1T41e633/9Gb11qrfQHcSNi5F1V0R3pNIXWj9fufu72rC+At"
    "sgUbraKdJlNMz/az7vH+mXuvWEiozOpZ006sZ4mcqqcHTtVjcVOQMTSZJq2tpg40skhxlu"
    "IPpR5ulK9K+aqUr6ryXgxuy60V+EaVl2pf9Ku8JhtPh8pr8npek136AUK+kwRnQNS3ku4R"
    "iHt0XnYLCMPB5eX9j9rbk/M6sEfupVsHwNTn8j/LNxlF1kg8E+UdSEx7Aob8btwxsPXaVa"
    "6ictF+V2e5CWVYqnJZi7bPJxX9SYde0R9Ff8qqZUV/lH6DvTuJDCg9qi0stc3otvKq9oVg"
    "thUMiC7DHjckQdXcI3UY4ULh1lUuOrTYUJRIhuTtRquoUHiD08tEaCDWJjm0FnrLR1bg4I"
    "cxE4cU8HoABAQ9g2Al5xAg6BBkguGcP3HfBLqDmyMgqvAuWUDWQmxo+6+4IwcQ/PZ5AJ4x"
    "GwNq2FME7u9tNr2/fwMEdJQzK06lHPtZVHV//1+G7+9/BjPxGZxqcf4FJ1PKH/izyf39pj"
    "SLvyEPFfCLKw6QwgFU+K7iBIoT/OtsRsUJKq9ftSRSU0sir0wDSrokstgrn8AA5H306fZ/"
    "aNP+dne3hWMP/d3q4vJvtRLxiisRyhxOh7665rDc/7L3qYiUmk8TIu6UhaIslH2wUJJGgy"
    "3AWsE0NFFoI6NgmQzABfoJBqCsmRWH4YbSEe04v0EoQTNvWWzmvlXejXIIUotNHcxbolvC"
    "wFwdj2geMi3dlinGHkwZ/zTv2i0u6kBueffSy1biaVPthHm1kBjM0rLdp0TDBAIV3Fpxku"
    "nAkpMVB5acxA8skb8shnP6iRoRsUqgvcqU38XRGrFBaa3NXtFKyqyKmnaj9QbX3pEaU+iw"
    "iXvIxsfubb95AcY2N1DuSFvrXF0ACxLzjvQ/dnuDdpMXp2Pb4V2biXtar3mlS1VRjpQYnp"
    "c1NrrX181eo6W1L4BhTybIMTC0oouIr7NtLDT1rKn1aB2lVnrPVZLjKqavtbmmKfQG6dc/"
    "tmNpOayjBsnuKO5EFfgEsVdD3s73SWu1tUuhgEUdd+Sm2blqdT5cgCkiJleF2HvZGTSvPI"
    "0h0Qm7bX5FbWutfZfb15ln48VUdoUMPIFWmpcCJzIU0xM68oXL02u2MWtdNRuta619cHx2"
    "eBI530PO2BE7WIWgB5vhoImFUX7pcJWwrDrSJscJK9A0HURTBqOUja5LkTJPAWsavDs5oU"
    "/QwjwQB+UriO9xJnyPV+B7HMfX5dF5AF4IKISzISwSyLCZmXcKlMU2ngX3J5whmAR/Oqxn"
    "ngMtmzysBbEspzBeifEQmY5tT/KkdZBFVFqHqPkwhGycG1FZRkEas8gcBHX6dZSwDJ6ee0"
    "SWWQvSkvX7bYM6mjkE0zHKe1RmSE4RixzEgiLoGGOdoW8JDTndxxsRK9DFkdOzUVoPr7wE"
    "lYdvLJat9h/yohhHXphDQgrnLDirI3cLHrdVGF56c69uGJ46vbBqWk/YxRA76UWON8nKNC"
    "QRFST4cpCgi1ccXxUlGA5lk5tVKI6tx9t4r9UYZEuJHewaMPVhgmGmTvuT2uUEEby9w/40"
    "t7oqBVuGrdAJb6Bbgqol6qosUEWf9rc3KBURbRv0whVBt1JHfTH2dq6HRoksueiQm6mACw"
    "NPdH4IqA3uamORSt6y/PRxFIFFzXc1kSoOEuArDFi2/TibApuA/h9tfwSO5KTbwVvuCCQm"
    "uPHsK36L14MfETj4rd/tAK5NxnUpwrxENcRmy2CWZRWpue+/RCO1Xd1Ed5t98W4fJuxJU7"
    "G/RcX+BirI6tFZqKx6y8j1LN6cerozp54QQ6X2ehVCOtQ2mlVTcZR77ME2Gs9mXDGtL4zK"
    "DJP60pjd8a6aaM+1KXbrVXNaoXPazLHyTGl+8QrOaDsJ7cNUnzq8SzlJDocXVigkQbW2nG"
    "ONYjGS5LAiJBEVc6IWfaru/le5F4ruT8oer7493rEZHmED+j89Zo6Hnq+0xolUsghbXErD"
    "ILxKYre5dEuMcWqneeGWOXpKXBxMt80XAhW0zrd/2LPAPY6u8OgmoxuUj1ox2GDgf0Bsf9"
    "0VyLVfRjNiCPzAcIYthgk9Eq/9tVa8nS7wCRkwsaDEaPxhxDIRFUSDEoMBJqd1KYmpdJjl"
    "CSSJm5KKQKSPctUlECrFmEoxVgLCUNIkqEEQQwJPkOIb0ilCKJaiWFf9MseEWoIumhSM+F"
    "v1vOvQIaEKkoPjTClxjlfkxDmOJ8Vxj33PRb8CgQoifHKe5cALXio969B57Ni7KUcpVzte"
    "CKyFcMkM/EgTrmdpwVFrTmrA9Si6E0Spv+ybdXudJFKJNlz05jpvTt4se1q0jjIrovah2W"
    "n2REYz73usO9LQ2u1LrfH7BTCgZQlT6Y70W4Om/qnF/7sAFDOkP2H+X22dYWjrqc+mDhoh"
    "R+Rqc8P4DKYHRDLzoJRaQwVHqV1MtHuY8Iyg55y+t1qn+flCHAImMgF2BlrDzWfmtxiR0u"
    "yPW63det8Sd7/OoIU5FqZb9lOzF5R94ka4uNvu9nlXsmxakk6k/Dvp0FfYv6N2BVZM6wnO"
    "3NgeDhUWUJ0jGcpma6g4i/K4TTPFWUSbb3He6JI13U2d0fz9oHPbbmfbyEpstqU9dB27Wp"
    "tYC/DYu5Cle+0DRF/y3M/1hRZ36r1X7vki3fN5E1oVn8mqQu42RTvT2/l+EpAstJM/HNs5"
    "DeWQjCIfCeQjmJTyzQohIYXryxwEL5f2N7STq5cEIWorh1vXywTE6+TFUZB9xTU0GOZOp7"
    "NLC1tDDjbGtQTj2n+y0q6GyzLKoN6n8XKVQf2EHJq4ly99QU4SqYRZHY3EOM8UiXG+IhLj"
    "PLqAIzpVDoT94hVEdydZSsUqX+JWjvTNBpJI8fsNXocibm1nQcz8KnIy+/5/1nrl6Q=="
)
