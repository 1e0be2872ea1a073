from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "blocks" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "blocked_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "blocker_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_blocks_blocker_9b7abb" UNIQUE ("blocker_id", "blocked_id")
);
        CREATE TABLE IF NOT EXISTS "conversations" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "last_seq" INT NOT NULL,
    "low_read_seq" INT NOT NULL,
    "high_read_seq" INT NOT NULL,
    "last_message_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "property_id" INT REFERENCES "properties" ("id") ON DELETE SET NULL,
    "user_high_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "user_low_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_conversatio_user_lo_c048fa" UNIQUE ("user_low_id", "user_high_id")
);
CREATE INDEX IF NOT EXISTS "idx_conversatio_user_lo_b61519" ON "conversations" ("user_low_id", "last_message_at");
CREATE INDEX IF NOT EXISTS "idx_conversatio_user_hi_16169a" ON "conversations" ("user_high_id", "last_message_at");
COMMENT ON TABLE "conversations" IS 'The pair is stored ordered (user_low < user_high) so it has one row, not two.';
        CREATE TABLE IF NOT EXISTS "messages" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "seq" INT NOT NULL,
    "body" TEXT NOT NULL,
    "client_id" VARCHAR(64),
    "created_at" TIMESTAMPTZ NOT NULL,
    "read_at" TIMESTAMPTZ,
    "conversation_id" INT NOT NULL REFERENCES "conversations" ("id") ON DELETE CASCADE,
    "property_id" INT REFERENCES "properties" ("id") ON DELETE SET NULL,
    "receiver_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "sender_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_messages_convers_b8b89b" UNIQUE ("conversation_id", "seq"),
    CONSTRAINT "uid_messages_sender__9a6e09" UNIQUE ("sender_id", "client_id")
);
CREATE INDEX IF NOT EXISTS "idx_messages_created_c3e88b" ON "messages" ("created_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "messages";
        DROP TABLE IF EXISTS "blocks";
        DROP TABLE IF EXISTS "conversations";"""


MODELS_STATE = (
    "eJztXftz2rgW/lc0/JTOpJ3No9ze7M7OEEJbdglkCWn3brPjCFuAboxFbZGU2dv//Up+gP"
    "zE4uEYV7+0sa0jm+/ocb6jo6N/alNiINN50xgji97YZIRNVLsA/9QsOOV/JD4/BjU4m62e"
    "8hsUDl3JGuQltZlX1H0Ehw61oU7Z0xE0HcRuGcjRbTyjmFhcpmkjSJEB6ASBEbYdCiieIg"
    "AtAHWdzC3K/qcOgI57i78AHNlojB2KbEBs4Dxjqk9e+4VfveFvNYjOXout8b5eMLfw1znS"
    "KBkjVq3NXvPlb3YbWwb6xn64fzl71EYYmUYIVGzwCtz7Gl3M3Htti753C/JvH2o6MedTa1"
    "V4tqATYi1LY4vyu+xLkc1/GbtH7TmH1pqbpq+LAG3vS1dFvE8UZAw0gnOTK4hLex+wulfT"
    "tG5voN22BppWiykvkBDg9m/pxOKKZ5/quL9+zD/h9enJ+b/O353Vz9+xIu5nLu/867v36h"
    "UwnqALT3dQ++4+hxR6JVyMV6BytekLzb2ModucQDsZ3ohYBGf2A6I4B6gKQPswLnEOiqyA"
    "XjX8IpCewm+aiawxnbDLk9OfMnD91Og3Pzb6R6zUK/5Kwnqq15G7/qNT7xkHfwW2iXVkOU"
    "iz5tMhsmXwjktWD/J6HsTr6YDXY3gzJPjrYzhfIR1PoZkM9UooArHhSb3xpQ8P7gx4r1rN"
    "9nWjc3R2fOri63w1MUUi8OcxdB8XuuZQSOeOTEsOS23UimMjdB5cWeknZGP2mcE37bk55x"
    "pAMsaP+PChe/OxBmlCk2ZP+OycDHpYMtqufdE3wR/7UsE+RxL2A42eZS78XpcB/aB93bod"
    "NK5v+OumDmvpLn6NQYs/OXXvLiJ3j+oRNS0rAZ/bg4+AX4K/et2WCy9x6Nh237gqN/irxr"
    "8JzinRLPKsQUOwJIK7AWohrc9nxoZaD0sqrZdF6wFGgtr9rxe07iBbk7J4BYn1Zm8e5R68"
    "3cuZxOhRMHv5jSHUH5+hbWixJ+SUJJrIHNi4HnoWGhD2j6uMNvt2aOlJtrBPBe/8Sg5KCd"
    "+DNhbcXb3fhs9LiiY2PfbL2e9Fnu3QbNw2G1et2vcQ8GGc+aPp6TR6B1qMYhj+l/Hv8HG8"
    "gYspI5oNj1PWEkh3pMRxFu2eeWU1n6LmJN6fGXFlNBjoJuacl1WyYsA/A2dCni1AyaoAYS"
    "MUwJaDDS5lIGZDxrj2jupU9Lpc9HoIrUdpch0SKs5CPmxu7XdheU9GRE7hLYm3tC8jLllB"
    "zM/Oc0B+dp6KOH/0XfEAxQMUD9h6glY8oHo8wMUxwfoP8E23+flH5jP00/FRZna5zGw0hd"
    "iUsUGWArsxPV4W3LDb+W0ey4OVSnc8v43bHqzPyBrWosxOFqtKBPJZHoP6LN2ePouZ0zOG"
    "zyYLg1G5qiF9Us9DXaIGmsBc6jGkoeM8Ezb/TKAzkYI6KlhB2nJy+i4XVXyXQRXfRREfsR"
    "fLjh6iTPWWuvfDyJ/Y9Ghrc1tqJgxLVQ/qs5/yjdVZg3U8kIPo0P0sCaBFmerBvJcWPcQk"
    "jvAAfUuxlv3iVQA3y4PR+nMQcl4EEB5dN/58FXJgdHrdD0FxAfJmp3eZYOB5iCW26BYzMG"
    "IEN+51CCooMKrDWw6pyamh1uy0W93Bhb+Ycm81PriX7mpLdGkmV+vP1fgz2n48dImYG+si"
    "kC0yuMan3TJKuLtt9S8Al2QKuLpud5kCjCm27q3r3lWr3xj02GNO4NnXErscahFDiMKquS"
    "QMdWglj0yiWEQrQya3L7Us7xQ7Ql32ep3QCHXZjg5Bd9eXLQZ9JNYsIPqCt8TRoE7xU0Jf"
    "yAQ8JFcg4gFROljATehQzUHI2mCdISq7g5WGA5qWy72wEI8r89yzm6wnhSWVlg9By9Ie0p"
    "hgFczqAlylAW6buEyTZKsH++6dpyowOh36w1waV4HRP6LW0wIiJBbwV83DQY7DYEvYnHLp"
    "S77/vY/MNJ9csIVzTie3Xk0H2A7SFu5D/YjQGSthoC2R6tFZk/1VVZRYC0ZUG9vQDxPeHK"
    "g+r+kDr6iqWI3gE7EZxdwSqPd+NVWFaWaTGbIp3hanG6+eRVVxsgjFI+ytnmwJVVeoqqpw"
    "YevrHNtbt6q2W02eRlUytiEB0oJZGVsPUz5QrGlVdqQamkR/dDQb6Qg/JXq/JfC65JVVHK"
    "kpNJJc1goln7ATvhnb8UZ0bYLHCYE4MmA1hfp+DMxMxo4UZGttdm+80qaMwcHxtgP9tVdL"
    "VdFy+E5IhVQKUvGdARnB7OH8OsvETumgBrsIcjgkIjmlKmibRXbl7gK1+KbgiuAmuW1CdG"
    "clJSwLe7sy8pWxgproYdvrZoov4s4SGz2RR895+7fULou7u/aVxDaL+Rwbb7jMJqPY+gjq"
    "2i+juaVzcID7Jv7P+a+1/bafJAewt9zieXRFX63707O3Xah1l1TAD9QDn2fdBX2bYVbbBl"
    "oPS1ZQ6wei5VyRA8I4K6nmsKSKDzkELbPhypGLZ49LVi9U4TxPqMJ5eqhCPGleCfZzvzTC"
    "+9jRvW6X9ntiIzy2fkeLPe/TLsfQtOOd2ilQ22jERqIJs9wf0bYLM32vrgGvqkK4y7kNJM"
    "lcsOKeQOSExfh0Ehda+F+f9qoB6q8NPMYUcKFj4FDWqQw//fPH60YTzBn4tpsumjWvJ/an"
    "g5ihT8GRhfgVtgAbIaGdkGp6x3VLUsrZ3GbzqouWQEzk2KXaw7/lHn5BCZtsehHEy7wvt/"
    "ap1W+//4/Wum60OxfA3Riy8IJs761+i0vdNG5vP/f6VxfAizkJ9h1HO02uENfdJ6Fl/VN6"
    "63RIqMzq2dBOrOcJJK6nxxHXY2HEkFI0nSWFGqUONKJIcZbiT6UebpSvSvmqlK+q8l4MZs"
    "ttFAfuKC/VoehXeU22ng6V1+TlvCb79AOEfCcJzoCobyXdIxD36Kx3C3DDweXltx8br0/f"
    "1gEZuZduHQA7Ppf/WbxJHWSO+DNe3oaWQaZgyO7GHQM7r12l7isX7Xd1Jk0ow1KVS+K3ez"
    "6p6E869Ir+KPpTVi0r+qP0G2xlTWRA6VFtYaldRreVV7VrgtkyGJCzCnvckgRVc8vwcYQL"
    "hVtXuejQcn9tIhkSd99mUaHwft/1RGjA1yYZtCZ6zUZWYOPxhPIze1g9AAILPYNgJecYIG"
    "hbyADDBXvivgn0BjdvAK/Cu6QBWQuxod2/4t46guC3zwPwjOkEODqZIfDwQOjs4eEV4NA5"
    "jFkxKmWTZ17Vw8N/KX54+BnM+WcwqsX4F5zOHPbAn00eHralWewNMlTAL644QAoHUOG7ih"
    "MoTvDD2YyKE1Rev2pJpKaWRF6YBpR0SWSZOiaBAYhpZdLt/1AOm93ubgvHHvrJW/jl32ol"
    "4gVXIpQ5nA59dc1hsf/l71MRKTWfJkTcKQtFWSiHYKEkjQY7gLWCWdmi0EZGwTIZgEv0Ew"
    "xAUTMZZ8OHsvPtOb9B6LwC1rLo3H2ruBvlGKQWm9mYtUS3hI6ZOh7RImRaui2Tjz3YoezT"
    "vGu3OK8DueXdSy9biadNtRPmxUJiME07/CUlGiYQqODWitNc53edZpzfdRo/v0v8shjO6Q"
    "dMRcQqgXaWKb+Pk6Zig9JGm72ilZRZFbXGTaM/uPZOmJpBm07dM6c+9u5uWxdgQpiBcm91"
    "Gt2rC2BCy7i3bj/2+oNOixV3JsRmXZvye41+60oTqnIYUnx4XtXY7F1ft/rNdqNzAXQynS"
    "Jbx9CMLiK+zLax0NSzodajdZRa6X1XSbarmNtGh2nagd4g/fKnWK0sh03UINgdxR0wBp8g"
    "9mqQ7XyfGu1O45IrYFnHvXXT6l61ux8uwAxZBlMF33vZHbSuPI0h3gl7HXblEHOjfZe715"
    "ln48VUdoV0PIVmmpcCJzIUwxN64wuXp9fsYta6ajXb143O0cn58WnkuCsxY0fsnDELjQnF"
    "QRMLo7zurLGwrDrhTeLAMWgYNnJSBqOUja4rkTJPARsavHs5sJbTQhmIg/IVxPckF74nGf"
    "iexPF1ebQMwEsBhXA+hHkCGTpPyqqdOQWKYlvPgocTzhBMgv8+rueeA01ijTeCWJRTGGdi"
    "PESGTchUJq2DKKLSOkTNhyGkE2lERRkFacwisxHUnK+jhGXw9NwjosxGkJas3+8a1NHctr"
    "AzSTw7I4tchOQUsZAgFg6Ctj7RKPqW0JDTfbwRsQJdHJKejdJ6eMUlKBm+sVy2OnzIi2Ic"
    "sjCHhBTOeXBWJ9AXPG6rMLz05l7dMDx1mG/VtJ6wiyF20osYb5KXaQgiKkhwfZCgi1ccXx"
    "UlGA5lE5tVKI6tz9p4v90c5EuJHewaMLRhgmGmDr8V2uUUWXh3Z9823OqqFGwZtkKn2x/K"
    "FkDVnlbsaLYXPfz2IFEKnSW5HVKS50iWzM2XC62iz0Q8FIyKiN8OxvWMMG5h6F8bzb3QQv"
    "NOnuyGyM19wYSBJ7o4Bg4B97UJP5zANP2EhA4Cy5rvazz5ILSArzBgEvI4nwFigds/Ov6c"
    "HslyuIe33FvQMsCNZ7GzW6we/IjA0W+3vS5g2qRMlzxwkFdjEboKj1pVkXqawpdo7L+rm+"
    "j+xS/e7eOEXY4qmryoaPJABXl9hEuVVS8woZ7HP1hPdw/WE6Ly1O7BQmis2piVNRUfH97G"
    "LI+FZEzrS5qSY1Jf0aM979OK9lziYLdeNacVOqfNbVNmSvOLV3BG20uwKHa0mc26lJ3kwl"
    "qz5iUIqmgFiVWv5UgiYUUIIiqKSS0jVn1BSWXzKLo/KXu8+vZ4l1A8wjr0f3rMHA89z7TG"
    "LaFkEba4kNiDe5V4/gLhFh/jVO6Cwi1z9JS43Jxumy8FKmid7/74cI57HF3u0U1GNygftW"
    "KwTsH/AN9QvS+Qa7+M5pbO8QPDOTYptpw3/LW/1oq30zk+IQMmFuYajWiNWCa8gmiYazDA"
    "SFqXgphKsFqe0KS4KakIRPooV10CoZLWqaR1JSAMJU2rG4TFJPAEIWImnSKEonOKddWvsp"
    "aoJeiiScGIvVWTXYcOCVWQHJzkSrJ0kpFl6SSeZglNIZZaGlkKVBDh07d5jlBhpdLzWL2N"
    "HaQ4YyhJteOlwEYIl8zAjzThep4WHLXmhAZcj6I7XQXJ5d2wKYhUog0XvV3Tm5O3y8cXra"
    "PMiqh9aHVbfZ4jz/se895qNjqdy0bz9wugQ9PkptK9ddsetLRPbfbfBXAwRdoTZv/VNhmG"
    "dp5Mb2ajEbJ59j83jE+nWkAkcw9KqTVUcJTax0R7gCn0LPQs6XurdVufL/ixcjy3ZHfQaL"
    "oZ8vwWw5Pk/XHX6LTft/ndr3NoYoaF4Zb91OoHZZ+YEc7vdnq3rCuZxClJJ1L+nXToK+zf"
    "UftMK6b1BGdubAeHCguoziEfZbM1VJxFedymueIsos23OG90yZruts5o9n7Qvet08m2Ntg"
    "jd0a7MLqnWtugCPPYuZOle+wDRdZ77hbbU4l6998o9X6R7XjZFWvG50SrkblO0M72dHyYB"
    "yUM72cMJkTSUQzKKfCSQj2BSkpsVQkIK1/UcBK+W9re0k6uXViNqK4db13oC4nXy4ijIoe"
    "IaGgylEzTt08K+NIn+WEuwrb0HmVb1kBfZywnTbs1L2uZdGeqM6Zc2tZX19yNaf0L3y9+l"
    "wkLKTklK/h8a5KRwVXZ1fvvPR0wZKeuMlHDTWm/8+V1cAZsPWKOEEdGh9HcJRmA0PV66LR"
    "jLybc+OdlggsAMYptn8HIoazMGILaB+P9HrtPeJM/gF+D+OcHjySueUwxTwJOKES/l2LGb"
    "+os+EzfTVygp2c5rTzRUg5p83S5rS7JVY6VN6FDNDwBcHpIdqiKpkDJ5izR5Xfgd9FUCWl"
    "FEZbaIWj28+bu7CCVBjYgpYKPAumPGBsjG5BS0sTYbGYNj4GaT3wRxtXm2PPFWccar/Bzp"
    "Xau6fo6XC7MrWVfeS5SdYNLKhNoJYsrZkYbtilLIQLuSUsjm2/nNIVPujlwBd6vGlS+M0e"
    "3oCttc2Apj4npwXyYEt2Qz2i4icOXiRYs+deFQGvRew0UDuBI8mQKS6U5MUWm7XtIWHaRB"
    "UgfGt12fn4OYkgLHu25i/zCnuANRoBfKD1ioH1DOp1K4J6X0yArLRsRImIzS43WD8iped5"
    "N43eVgEkM84zhjUah6O6rrefJq1NPTatRjWTWUvygd+ur6i1QKRbnxrUTqzecFjltsOaf/"
    "BEllCiQdG6A8rvsB1kY6wk+ysWURKdVkE5ANUbXcbECQUaiu97XqkbCjLf1Wkod8lg3svM"
    "6rhFlnvXvQa5vK8boO3FAfXg9rMJQqYNcBG5l0lEN7p+hu69Dep7e2gWysT2oJzlr/yXGW"
    "rxauyqi9/Ic07x9neFn5/JU456c7qwSRSngIo0lg3+ZwVrFSGUlg30bdVbxTSSDsF68gui"
    "e5zh88yTh/8CR+/iBPMJh4ikz6OSeCSPFHnbyMN2hnh5rEaESRk9n3/wNhlfVG"
)
