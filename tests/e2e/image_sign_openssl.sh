#!/usr/bin/env bash
# otactl image sign, cross-checked with tools that share no code with it:
# the openssl command line verifies the RSA-PSS signature (salt 32, SHA-256)
# over the digest it computes itself, gzip's trailer gives the CRC-32, bc
# recomputes the Montgomery values; the block is cut out with dd at the
# offsets of ets_secure_boot_sig_block_t (ESP-IDF v5.2.5 esp_rom
# esp32s3/rom/secure_boot.h). Then tampered and foreign-key copies fail.
# No network: keys, images and checks stay in the test's directory.
. "$(dirname "$0")/lib.sh"
cd "$E2E_TMP"

# Bytes [off, off+len) of a file, as lower-case hex on one line.
hex_at() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
# The same, byte order reversed (the block stores big numbers little-endian).
hex_at_reversed() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -s ' \n' '\n' | sed '/^$/d' | tac | tr -d '\n'; }
hex_to_file() { printf '%s' "$1" | sed 's/../\\x&/g' | xargs -0 printf '%b' >"$2"; }
upper() { tr '[:lower:]' '[:upper:]'; }

pss_verify() { # PUBKEY DIGEST_FILE SIG_FILE
    openssl pkeyutl -verify -pubin -inkey "$1" -in "$2" -sigfile "$3" \
        -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 -pkeyopt digest:sha256 \
        -pkeyopt rsa_mgf1_md:sha256 >/dev/null 2>&1 && echo verified || echo refused
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out other.pem 2>/dev/null
e2e_image v1.bin 1.0.0 --date "Mar 15 2026" --time 16:11:50
image_len=$("$OTACTL" image info v1.bin --json | jq .image_len)

line=$("$OTACTL" image sign --key key.pem v1.bin -o signed.bin)
e2e_log "$line"
size=$(stat -c %s signed.bin)
sector=$((size - 4096))
e2e_check "signed file is a whole number of 4 KiB sectors" 0 $((size % 4096))
e2e_check "signature sector starts at the first 4 KiB boundary after the image" \
    $(((image_len + 4095) / 4096 * 4096)) "$sector"
e2e_check "the image's bytes are unchanged" "$(cmp -n "$image_len" v1.bin signed.bin && echo same)" same
e2e_check "padding between the image and the sector is 0xFF" 0 \
    "$(dd if=signed.bin bs=4096 iflag=skip_bytes,count_bytes skip="$image_len" \
        count=$((sector - image_len)) status=none | tr -d '\377' | wc -c)"
e2e_check "the sector after block 0 is 0xFF" 0 \
    "$(tail -c $((4096 - 1216)) signed.bin | tr -d '\377' | wc -c)"

dd if=signed.bin of=block.bin bs=4096 iflag=skip_bytes,count_bytes skip="$sector" count=1216 \
    status=none
e2e_check "magic 0xE7, version 2, reserved 0" e7020000 "$(hex_at block.bin 0 4)"
e2e_check "16 zero bytes end the block" "$(printf '%032d' 0)" "$(hex_at block.bin 1200 16)"

head -c "$sector" signed.bin | openssl dgst -sha256 -binary >digest.bin
e2e_check "stored digest = openssl's SHA-256 of bytes 0..sector" \
    "$(hex_at digest.bin 0 32)" "$(hex_at block.bin 4 32)"
e2e_check "CRC-32 of bytes 0..1196 (gzip's trailer) = the stored one" \
    "$(head -c 1196 block.bin | gzip -c | tail -c 8 | head -c 4 | od -An -tx4 | tr -d ' ')" \
    "$(od -An -tx4 -j 1196 -N 4 block.bin | tr -d ' ')"

modulus=$(openssl pkey -pubin -in pub.pem -noout -text | sed -n '/^Modulus:/,/^Exponent/p' |
    sed '1d;$d' | tr -d ' :\n' | sed 's/^00//' | upper)
n_hex=$(hex_at_reversed block.bin 36 384 | upper)
e2e_check "modulus (little-endian at 36) = openssl's" "$modulus" "$n_hex"
e2e_check "exponent at 420 = 65537" 00010001 "$(hex_at_reversed block.bin 420 4)"
rinv=$(printf 'obase=10\nibase=16\n(2^1800) %% %s\n' "$n_hex" | BC_LINE_LENGTH=0 bc)
rinv_block=$(printf 'ibase=16\n%s\n' "$(hex_at_reversed block.bin 424 384 | upper)" |
    BC_LINE_LENGTH=0 bc)
e2e_check "rinv at 424 = 2^6144 mod n (bc)" "$rinv" "$rinv_block"
mdash=$(hex_at_reversed block.bin 808 4 | upper)
e2e_check "mdash at 808: n * mdash = -1 mod 2^32 (bc)" 4294967295 \
    "$(printf 'ibase=16\n(%s * %s) %% 100000000\n' "$n_hex" "$mdash" | bc)"

key_digest=$(head -c 812 block.bin | tail -c 776 | openssl dgst -sha256 -r | cut -d' ' -f1)
e2e_check_match "otactl prints the key digest (SHA-256 of bytes 36..812)" "key digest $key_digest" \
    "$line"
e2e_check "image info --json shows it, verified" "$key_digest true" \
    "$("$OTACTL" image info signed.bin --json | jq -r '"\(.signature.key_digest) \(.signature.verified)"')"

hex_to_file "$(hex_at_reversed block.bin 812 384)" signature.bin
e2e_check "openssl pkeyutl verifies the signature (PSS, salt 32, SHA-256)" verified \
    "$(pss_verify pub.pem digest.bin signature.bin)"
openssl pkey -in other.pem -pubout -out other.pub.pem
e2e_check "and refuses it under another public key" refused \
    "$(pss_verify other.pub.pem digest.bin signature.bin)"

# Tampered after signing: one padding byte (the app image itself still verifies).
cp signed.bin tampered.bin
printf '\x00' | dd of=tampered.bin bs=1 seek=$((sector - 1)) conv=notrunc status=none
head -c "$sector" tampered.bin | openssl dgst -sha256 -binary >tampered.digest
e2e_check "openssl refuses the signature over the tampered bytes" refused \
    "$(pss_verify pub.pem tampered.digest signature.bin)"
rc=0
out=$("$OTACTL" image info tampered.bin 2>&1) || rc=$?
e2e_check "otactl image info exits 1 on the tampered copy" 1 "$rc"
e2e_check_match "and names it" "INVALID \(SBV2_ERR_DIGEST\): image changed after signing" "$out"

# A flipped signature bit: CRC refusal from otactl, PSS refusal from openssl.
cp signed.bin badsig.bin
printf '\x5a' | dd of=badsig.bin bs=1 seek=$((sector + 812 + 100)) conv=notrunc status=none
hex_to_file "$(hex_at_reversed badsig.bin $((sector + 812)) 384)" badsig.sig
e2e_check "openssl refuses a signature with one byte changed" refused \
    "$(pss_verify pub.pem digest.bin badsig.sig)"
rc=0
out=$("$OTACTL" image info badsig.bin --json 2>/dev/null) || rc=$?
e2e_check "otactl refuses it (CRC first, as ESP-IDF's validate_signature_block)" "1 SBV2_ERR_CRC" \
    "$rc $(printf '%s' "$out" | jq -r .signature.status)"

# The other key: a valid block, another key digest.
"$OTACTL" image sign --key other.pem v1.bin -o foreign.bin >/dev/null
foreign_digest=$("$OTACTL" image info foreign.bin --json | jq -r .signature.key_digest)
e2e_check "a foreign-key image carries another key digest" different \
    "$([ "$foreign_digest" != "$key_digest" ] && echo different || echo same)"
foreign_sector=$(($(stat -c %s foreign.bin) - 4096))
hex_to_file "$(hex_at_reversed foreign.bin $((foreign_sector + 812)) 384)" foreign.sig
e2e_check "openssl: the foreign block verifies under the other key only" "verified refused" \
    "$(pss_verify other.pub.pem digest.bin foreign.sig) $(pss_verify pub.pem digest.bin foreign.sig)"

# An image that already ends on a 4 KiB boundary gets no padding.
e2e_image aligned.bin 1.0.1 --size 128K --date "Mar 15 2026" --time 16:11:50
"$OTACTL" image sign --key key.pem aligned.bin -o aligned.signed >/dev/null
e2e_check "a 128 KiB image is signed at 0x20000" $((131072 + 4096)) "$(stat -c %s aligned.signed)"

rc=0
err=$("$OTACTL" image sign --key key.pem signed.bin -o again.bin 2>&1) || rc=$?
e2e_check "signing a signed image exits 2" 2 "$rc"
e2e_check_match "with one line saying why" "^otactl image sign: signed.bin: already signed" "$err"
e2e_done
