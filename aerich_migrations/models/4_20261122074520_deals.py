from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Hand-written at the end (PostgreSQL only; the models cannot say it; SQLite gets the
    # equivalent from SQLITE_EXTRAS in sheda/appointments/models.py and contracts/models.py):
    # - no two pending/confirmed appointments of one agent overlap in time: an exclusion
    #   constraint over [scheduled_at, ends_at) (btree_gist lets agent_id use "=" in GiST);
    # - one awaiting_payment/payment_submitted/active contract per property: a partial
    #   unique index.
    # Both hold under concurrent requests, where a check in Python would not.
    return """
        CREATE EXTENSION IF NOT EXISTS btree_gist;
        CREATE TABLE IF NOT EXISTS "job_runs" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "job" VARCHAR(40) NOT NULL,
    "pid" INT NOT NULL,
    "started_at" TIMESTAMPTZ NOT NULL,
    "duration_ms" INT NOT NULL,
    "affected" INT NOT NULL,
    "ok" BOOL NOT NULL,
    "error" TEXT
);
CREATE INDEX IF NOT EXISTS "idx_job_runs_started_0121d2" ON "job_runs" ("started_at");
CREATE INDEX IF NOT EXISTS "idx_job_runs_job_d387dc" ON "job_runs" ("job", "started_at");
        CREATE TABLE IF NOT EXISTS "appointments" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "scheduled_at" TIMESTAMPTZ NOT NULL,
    "ends_at" TIMESTAMPTZ NOT NULL,
    "duration_minutes" SMALLINT NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "note" TEXT,
    "reject_reason" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "client_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "property_id" INT REFERENCES "properties" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_appointment_client__6bdad8" ON "appointments" ("client_id", "id");
CREATE INDEX IF NOT EXISTS "idx_appointment_agent_i_07fe4a" ON "appointments" ("agent_id", "id");
CREATE INDEX IF NOT EXISTS "idx_appointment_status_b546c6" ON "appointments" ("status", "scheduled_at");
COMMENT ON COLUMN "appointments"."status" IS 'PENDING: pending\nCONFIRMED: confirmed\nREJECTED: rejected\nCANCELED: canceled\nCOMPLETED: completed';
        CREATE TABLE IF NOT EXISTS "availability_slots" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "weekday" SMALLINT NOT NULL,
    "start_minute" SMALLINT NOT NULL,
    "end_minute" SMALLINT NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_availabilit_agent_i_5831b6" ON "availability_slots" ("agent_id", "weekday");
COMMENT ON TABLE "availability_slots" IS 'One weekly window, in UTC minutes since midnight (end may be 1440, midnight).';
        CREATE TABLE IF NOT EXISTS "contracts" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "contract_type" VARCHAR(10) NOT NULL,
    "amount" DECIMAL(18,2) NOT NULL,
    "rental_period_months" SMALLINT,
    "start_date" TIMESTAMPTZ,
    "end_date" TIMESTAMPTZ,
    "status" VARCHAR(20) NOT NULL,
    "payment_reference" VARCHAR(100),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "appointment_id" INT REFERENCES "appointments" ("id") ON DELETE SET NULL,
    "client_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "property_id" INT REFERENCES "properties" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_contracts_client__d54553" ON "contracts" ("client_id", "id");
CREATE INDEX IF NOT EXISTS "idx_contracts_agent_i_608102" ON "contracts" ("agent_id", "id");
CREATE INDEX IF NOT EXISTS "idx_contracts_propert_c34acf" ON "contracts" ("property_id");
CREATE INDEX IF NOT EXISTS "idx_contracts_status_bbdfd7" ON "contracts" ("status", "end_date");
COMMENT ON COLUMN "contracts"."contract_type" IS 'RENT: rent\nSALE: sale';
COMMENT ON COLUMN "contracts"."status" IS 'AWAITING_PAYMENT: awaiting_payment\nPAYMENT_SUBMITTED: payment_submitted\nACTIVE: active\nDECLINED: declined\nCANCELED: canceled\nEXPIRED: expired\nCOMPLETED: completed';
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_no_overlap" EXCLUDE USING gist (
    "agent_id" WITH =, tstzrange("scheduled_at", "ends_at", '[)') WITH &&
) WHERE ("status" IN ('pending', 'confirmed'));
CREATE UNIQUE INDEX IF NOT EXISTS "contracts_one_open_per_property" ON "contracts" ("property_id")
    WHERE "status" IN ('awaiting_payment', 'payment_submitted', 'active');"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "contracts";
        DROP TABLE IF EXISTS "appointments";
        DROP TABLE IF EXISTS "job_runs";
        DROP TABLE IF EXISTS "availability_slots";"""


MODELS_STATE = (
    "eJztXXlz2zYW/yoY/eXMKJnacdSs29kZWlYStTq8kpx0t+7QEAlJqClQISk7mt189wV4SC"
    "AJUqQOmmIw02lMEg+kfg/Hu/Def2tzU0eG/UaZIuLcWuYEG6h2Bf5bI3DO/hA+r4MaXCw2"
    "T9kNB45dyhpkLdWF19R9BMe2Y0HNoU8n0LARvaUjW7PwwsEmYTRNC0EH6cCZITDBlu0AB8"
    "8RgARATTOXxKH/OjaAtnuLvQCcWWiKbQdZwLSA/Ywdbfbab/zqDXurbmr0tZhMj/WCJcFf"
    "l0h1zCmi3Vr0NX/+RW9joqNv9If7l4tHdYKRoYdAxTrrwL2vOquFe69NnA9uQ/btY1Uzje"
    "WcbBovVs7MJOvWmDjsLv1SZLFfRu851pJBS5aG4fMiQNv70k0T7xM5Gh1N4NJgDGLU3gds"
    "7tVUtdcfqcPWSFVrMeYFFBzc/i3NJIzx9FNt99dP2Se8vji//Pny/dvG5XvaxP3M9Z2fv3"
    "uv3gDjEbrw9Ea17+5z6ECvhYvxBlTGNm2lupcxdJszaInhjZBFcKY/IIpzgCoHtA/jGueg"
    "yQbozcAvAuk5/KYaiEydGb08v/gpBdfPyqD5SRmc0Vav2CtNOlO9idzzH114zxj4G7ANrC"
    "FiI5Us52Nk5cE7Tlk9yBtZEG8kA96I4U2RYK+P4XyDNDyHhhjqDVEEYt2jeuNTnx7cKfDe"
    "tJrtrtI5e1u/cPG1vxrYQTzwlzF0H1eaajvQWdp5RnKYaqdRHFuhs+BKWz8hC9PPDL7pyM"
    "M50wKSsn7Elw/N249V6AiGNH3Cdmcx6GHK6Lj2Sd8EfxyLBcdcSegP1PvEWPmzLgX6Ubvb"
    "Go6U7i173dymI93FTxm12JML9+4qcvesEWHTuhPwpT36BNgl+E+/13LhNW1narlv3LQb/a"
    "fGvgkuHVMl5rMKdU6SCO4GqIW4vlzoO3I9TCm5XhauBxhxbPe/nuO6jSw1l8TLUWwXe7Mw"
    "9+TlXqZJTB45sZfdGEPt8Rlauhp7Yl6YQhGZARvnQ5+gkUn/5zKjTb8dEk0kC/uq4J3fyU"
    "kx4XswxoK7m/db8HmtovFDj/5y+nuRJzs0lWFTuWnVvoeAD+PMHs0v5tE7kFAVQ/e/jH2H"
    "j+MtXM2poql4OmVNoHRHWtTT1O6F11b1VdSMivcXqrhSNRhoBmY6L+1kowH/AuyZ+UyAY2"
    "4amHSFApjYWGdUOqIyZEzXPlCfUr0ul3o9huQxt3IdIipOQj5t3dqfwvktGRE6iXdOvHPb"
    "MuKUFcT87WUGyN9eJiLOHn2XeoDUA6QesPcGLfWA6ukBLo4C6T/AN1nmZx+ZTdBPxkeK2e"
    "USs9EcYiOPDLImOIzo8bLghs3O77JIHrRVsuH5XVz2oHMmr2DN0xzEWVUikN9mEajfJsvT"
    "b2Pi9ILis4tjMEpXNaTPG1lUl6iAxmkujRjS0LafTbr/zKA9ywV1lLCCasv5xftMquL7FF"
    "XxfRTxCX1x3tWDp6meq/s4GvkT3R4tdWnl2gnDVNWD+u1P2dbqtMU6HshhatD9rBxA8zTV"
    "g/koI3qMzTjCI/QtQVr2m1cB3DQLRuuPUch4EUB41lX+eBUyYHT6vY9Bcw7yZqd/LRDwPM"
    "SEI7pFBYyYghu3OgQdFBjV4blDavnYUGt22q3e6Mp3ptwT5aN76Xpboq6ZTKM/0+BPGfvx"
    "0CXT2JkXAW2RwTW+2p2HCXfD1uAKMErKgJtuu0cZoM8xuSfd/k1roIz69DFT4OnXmlY52M"
    "KHEIVZc21S1CERr0w8WYQrY0p3LLas7xS7Ql33+53QCnXdji5Bd93rFoU+EmsWKPqctcRW"
    "oebgJ8FcSAU8RFcg4oGidLKAG9B2VBshsoOfIUp7AE/DCW3L5XYsxOPKPPPsLv6kMKXk8i"
    "lwObeFNEZYBbG6AFNpgNsuJlMRbfVgP7zxVAZGJ0N/mq5xGRj9I3I9KSAihwN/MzxsZNsU"
    "NsHhlGuf8sPvA2Qk2eSCI5xLZzb0ejrBcZDkuA/NI9NZ0BY62hOpvrNo0r+qihIdwchRpx"
    "b0w4R3B2rAevrIOqoqVhP4ZFpUxdwTqA9+N1WFaWGZC2Q5eF+cbr1+VlXFiZgOnmDPe7In"
    "VD2uq6rChcnXJbb2HlVtt5ssg6pk2kYOkFZUyth7mfKBokOrsivV2DC1R1u1kIbwk9D6nQ"
    "Ova9ZZxZGaQ11kspYo+Qq7yQ5j296Krs7wVBCIkwesJtffj4GZQbUjCdlWmd1br9Q51eDg"
    "dN+Fvuv1UlW0bHYSUiKVASm4WJj0ETs6aquQ/hfEDexhZ9h0+aOgtgndkLClwfYEMf0B2M"
    "DOSrUNc1/zg8L1N6TdVRU3+tQ93nGoGdr0+/sh8DrE3KwiYPHzYSlHmsJZ1tbp/ZJRDc6S"
    "ZZjEkcyCFdTQI7kZDoFaPDVERXDLeXiOd2qI0laGfR4pWStpQ5X3sxz1SN2f/PlCCz2Zj5"
    "4L769cZ+3u7to3OQ7bLZdYf8NodlnFtp+jqf06WRKNgQPcN7H/Xf6zdtzxI3IDek53z6/H"
    "e+zcn55++E563xMBP1E/bBbvO/q2wLS3Hbgepqwg10+Ey5nix7h1Niebw5QySvAUuEyXKz"
    "vfqaY4ZfUC1i6zBKxdJgesxVOnliCrx0sjfIy8HttydXwwLYSn5He0OnK2jnIsTQfO15EA"
    "tYUmdCWaUcn9Ee3rnh94fY1YVxXCPZ/ZIKcyF8RdCRQ5LiQrWYkLhX9tT36ogMZrHU+xAx"
    "hRHdgOnVS6XwTgU1dpgiUF33KLBtDh9UT/tBEV9B1wRhC7wgTQFRJagoIDB+47p0q5WFp0"
    "X3XR4hSTfNqlzOSyZyYXjgm7HH3kyMucnaH2uTVof/i32uoq7c4VcI8HrryjFvdk0GJUt8"
    "pw+KU/uLkCXuRhkH0iOmmyCDBHSEVO52fuBBohojKzZ0c5sZHlOEkj+TRJI3aYBDoOmi9E"
    "Hp/EhYYnKU5S/KnUy420VUlblbRVVd6KQWW5nU4D2dJKdSr8lVaTvbdDaTV5OavJMe0AId"
    "uJwBgQta0kWwTiFp3tZgEmOLh6+fCT8vriXQOYE/fS7QNg29flf+FvOjYyJuwZa29Boptz"
    "MKZ344aBg/cuE7iWS+13eZZboQxTVS6V6+H1San+JEMv1R+p/pSVy1L9kfwNEhoINaDkqL"
    "Yw1SGj28rL2i3BbCkakL0Je9xTCapm4oh6RBcKj65yqUPrLAtCZYjPwZCmCoWzPmxXhEbM"
    "N0mhNdBrurICC09nDqvcRvsBEBD0DAJPTh0gaBGkg/GKPnHfBPqj2zeAdeFdOoGyFtKGDv"
    "+Ke3IGwW9fRuAZOzNga+YCgYcH01k8PLwCDDqbalZUlbLMZ9bVw8PfDn54+AUs2WdQVYvq"
    "X3C+sOkDfzd5eNhXzaJvyKMK+M2lDpCgA8jwXakTSJ3gh5MZpU5Qef5Kl0hNukReWA0oqU"
    "tknUBMoAHwycWS5f9QJrPDnm4Lxx76KbzY5V/SE/GCnggpDidDX11xmJ9/2edUhErup4KI"
    "OymhSAnlFCQU0WpwAFgrmJszCm1kFSyTALhGXyAA8pxJFgDDOVqPnN8gVLWGjixn6b6VP4"
    "1SB4nNFhamI9FtobFcQY9oFRIt3ZHJ1h5sO/TTvGu3OesDue3dSy9bicdNeRLmxUJisJNU"
    "AiwhGiYgqODRiotMVRwvUqo4XsSrOPJfFsM5ucxghKwSaKeJ8seoNxhblHY67BXtpMysqC"
    "m3ymDU9eoMLqDl5qy7J5/6d8PWFZiZVEC5Jx2ld3MFDEj0ezL81B+MOi3a3J6ZFp3aDrun"
    "DFo3KteVTZFiy/Omx2a/220Nmm2lcwU0cz5HloahEXUivsyxsdDWsyPXo32UmukDl0mWy5"
    "ih0qGctqG3SL98LcON5LALGzi5o7gyk34uRCP4nOyT77PS7ijXjAHrPu7Jbat30+59vAIL"
    "RHTKCnb2sjdq3XgcQ2wS9jv0yjaNnc5dHp5nnowXY9kN0vAcGklWCizUUHSP6I1PXJ5Zc4"
    "hd66bVbHeVztn5Zf0iUvSQz9gRqzZJ0NR0cDDEwihvqzgZppV1PnOUnYS6biE7YTFKOOi6"
    "ISnzFrCjwHuUsuVMLcwDcdC+gvieZ8L3PAXf8zi+rh6dB+A1gUQ4G8IsgYyzFNVWSN0Ceb"
    "K9d8HTCWcINsF/1BuZ90DDJNOdIObpJMapGI+RbpnmPE9aB55EpnWIig9j6MxyI8rTSEhj"
    "EpmFoGp/nQjc4Mm5R3ianSAt2bw/NKiTpUWwPUOiCkppykWITioWORQLG0FLm6kO+iYYyM"
    "k23ghZgSaOnJaN0lp4eRdUHn1j7bY6fciL0jjywhwikjhnwTnkcs1nFdrQFbhwB47Qk123"
    "ZRhe8nCvbhieLOleNa4LTjHEK1xx8SZZNQ2ORAYJbg8STKh/JaMEw6Fs/LAKxbEN6BgftJ"
    "ujbCmxg1MDujoWCGayBDo3LueI4MNVQFfc7qoUbBmWQuf7l+YMoGrPK1ygs/AS6CeJUqii"
    "8H5I5awmXDIzXya0iq6Me4oY8SVe98MpX2HXU8RqXW9z75mXtcrmqaBUxImAQFJIORjACR"
    "Nbzwes1JAkkyVfJnKzqVBi4JGu6sA2wX1txspdGIaf4tJGYN3zfY2ls4QE+AwDhmk+LhfA"
    "JGD4r44vJUbyZh7hLfcEEh3cejogvUX7wY8InP027PcAG9WUl2zesm6I6WwC7jZdJNbn+D"
    "N6msTlTfRE7J/e7brg3Kw8n1DU+YSABVmtzmuWVS/UpZHF4txINjg3BHGe8jxqIYYRedQv"
    "bSuun95RP0+vTdnW14pvhk19o3Af+eRfdOaaNnb7lXtaoXva0jLybGl+8wruaEcJP8a2ur"
    "DolLJERtEtXlSOUMa/5PCjrleSHFIERyLj4qRjuuouSpkfpuj5JOXx6svjPdPBE6xB/6fH"
    "xPHQ81RpnHAti5DFuVQxzKrEMmJwt9gaJ7NhFC6ZoydhAEOybL4mqKB0fviC9Az3OLrMoi"
    "tGN2gflWKw5oD/AXZE/1gg136dLInG8APjJTYcTOw37LX/rBUvpzN8QgJMLHA6GiMdkUxY"
    "B9HA6WCBySldcmQyZW95gt3ioqRUIJJXueoqEDINokyDWAKFoaSJmoNAK4GewMVgJasIoX"
    "ivYk31mzw40gVdtFIwoW9V8/qhQ0QVVA7OM6XtOk/J23UeT9yF5hDnco2sCSqI8MW7LEV5"
    "aKvkzGjvYqU5FxSlXON4TbATwiUT8CNDuJFlBEelOW4AN6Lozjdhl1mPAHMklRjDRR8A9v"
    "bk/TI8RvsoMyNqH1u91oBlXfS+x7gnTaXTuVaav18BDRoGE5XuybA9aqmf2/SfK2BjB6lP"
    "mP5T22UZOnh6xoWFJshi+STdMD7NUQNFMvOilNhDBVepY2y0J5iUkaDnnLa3Wq/15YoVKm"
    "TZSnsjpenmXPRHDEu7+K87pdP+0GZ3vy6hgSkWutv2c2sQtH2iQji72+kP6VQyTLskk0ja"
    "d5Khr7B9R55crhjXBcbc2BkOGRZQnbIxZZM1ZJxFecymmeIsosO3OGt0yYbuvsZo+n7Qu+"
    "t0sh22J6ZzoHO+PbNaB+0LsNi7kCVb7QNEt1nuV+qai0e13kvzfJHm+bxJ94rPtlchc5tU"
    "O5PH+WkqIFnUTvpwZuYUlEM0UvkQKB/BppRvVwgRSVy36yB449rfU06uXqKWqKwcHl3bFR"
    "BvkhengpwqrqHFMHfKr2NK2NeGqT3WBLK19yBVqh6zJkepWe72vFbbvCtdVi1/aVFbSn8/"
    "ovTHTb/sUypMJOUUUTmJ0CKXC1cpV2eX/3zEpJCyTUgJD63twp8/xSWw2YDVSxgRHUqoKB"
    "ACowkXk2XBWJbH7cnJRjMEFhBbLIOX7dAxowPT0hH798w12hvmM/gVuH/O8HT2iuUUww5g"
    "ScVML+VY3U395TybbqavUFKyg/cuFFSDnnzernsTyaqx1ga0HdUPAFyXXQ91IWokRd4iRV"
    "4Xfht9zQEtTyIzW0SlHjb83VOEOUGNkElgo8C6a8YOyMboJLSxMRtZg2Pgpiu/AnJ5eLY8"
    "8VZxjVfaOZKnVnXtHC8XZleyqXyUKDtOpM0TaseRSWNHErYblSIPtBsqiWy2k98MMmnuyB"
    "Rwtxlc2cIY3Ykusc2ELbcmbgf3ZUJwS7ajHSICN1+8aNF1PE5lQB81XDSAS2DJ5JBMNmLy"
    "TDu0S5s3kAZJHai+7dr8bESZFBjeNQP75cHiBkROvZB2wELtgPlsKoVbUkqPLOc2MnXBZp"
    "Qcrxu0l/G6u8TrrheTGOIpBbJ5ouqdqG5kyavRSE6r0Yhl1ZD2omToq2svkikU861vJWJv"
    "NitwXGLLuP0LKKUoICobIC2uxwHWQhrCT3ljyyJUcsgKkA2papm1AY5Gorrd1qpFwo72tF"
    "vlLBtbNrCzGq8Eu85286A3NqXhdRu4oTm8HdZgKZXAbgM2sulIg/ZB0d3XoH1May1ffFlg"
    "sY3UZk622kbLQR85M2/IOhKU7qC/MHZvkybN1mZIXxrScPsShlse+xi86ap6lLaC9pkqKe"
    "x0i7Z34DJHJhlcagbrS8uTbueYLIX5eIZzaBiJa6aIvkr62NuLnxvr9ZNdpC2dw67S6QgU"
    "3NNLDbqgM5ihkw/c2m2rd9PufbwCPr2b+vNDe9D1U39OsDVnqT8Hrd9aXu5QC/2NvNShTa"
    "XXbHXchgwHw0sc2r3ttPzEofMFE7O8IZg342umhK8p+V5jyUKJnyApq8staF8F30/RHjdv"
    "jLCAeltkvEgGPUYo0Zf5iaQnTqbF/RG5LhAHY2lxeZ07o9LMk1RJ8Dtc3enkeJFkb2dKuI"
    "hEtRa3wkk/Z6XSDZcM48OahuOLg3RpbHXE8QtihiRqU4lqlhxq022gZonLZ+U/mHNgz8D8"
    "pt9NdZaHowbmK08QUzywgZ3V0DDF/p5om3qq04drrdq0ecakI32CwDNCj8YKPFMOsCQfmI"
    "C7URP4NkFgYzrL6JVO8HTmgDNEdDCHKzBG4Pzy8qf6+tGreNKRg/eexSHFTwz2ch2upJOp"
    "WCdTAHsM2XR7NEdWJbn5QGZoy/Ht9HlhjdJKbCNlNom+I7JhSonrd2mQKFbDk7Ly0WXlY8"
    "qBa7FZnGtuLVKn5pnbyO9lifThVelI6A9bMZn5WEpkBacq9seJh1EM32ze7FgnZT6DWBu0"
    "eiPmoybOPRkqndYVsKGByuGBhnNzKVq4b5CGqcSRsDmuiaKOGY/qjU9dHh4cwi9602q2qX"
    "xxdv6+fuEibH+lSi7iob+M4cu4Dg2VrkLYpCIaHbez3NExSX1UyPB8OM3EXdPjwzk9nDBE"
    "KQ//lce3KIwl3InHPJ3kcJk5fIKBbvAZYofyR13AVRAXn0dCUL4o7VG791G9Vf7ddaWFaI"
    "/3xH+kDu+uu+2RG83mP1Pt5XiOHTf+TWmO2p+phEGFI/yE7gndtOhSyRrTvdnAJClGrvXH"
    "bXvAbqFvC2wdMmruCHXq/Z/tFptH/iCIj5UE562IuAoRXVFJMZuomCYrytrmlQ/nkUFcPy"
    "LXZRDXy4QbcQficiIbI6yQ7idj5EqNqoyRkzFypfOjyBg5GSN3Sqhu9/slyAkHgDZyXr+a"
    "C0JcQipVSoXfzPFgKazk5T+pp/lW/zbHqrXMWL5rP9eqawr38yEwhyl9tevq4G5Lf2mR/l"
    "KfAVnNW37zMvtDd7RoXWYxaF0m27PivrlFPolW6gjJydc2y0MM0AyutyqbiE7XJBS3BG7S"
    "NAjcMxmSO1Qur8PhLEOTiZvAII9NiCORleGigJqPcSivTdNAkIjh9AgiQI4pxQmOzhSkrv"
    "v9Tmi5uW5HT+/fda9bg7PzSIiLIFrZskxBHr3kRAprgiq424pIoBCzFr2M8qIgC2uzmuho"
    "kPeknnogaNPmmKqL1EqK1EpYPlNhDthkzYQjqaB2cvHuXZYwh3fvkuMc2LOYvygPwn7zCq"
    "J7nGgGkzhCC9tvw34vwVu0IYmqKlhzwP+Age1TFGdTwGVgpG9m0X2rHlY8WAcvvpl9/z+2"
    "39X8"
)
