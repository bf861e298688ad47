/* dkim_sig.c - the DKIM-Signature field; see dkim_sig.h. */
#include <string.h>

#include "base64.h"
#include "dkim_canon.h"
#include "dkim_key.h"
#include "dkim_sig.h"

#define DKIM_B_PIECE 72		/* b= octets per folded line */

/* A relaxed field: a name of printable octets but the colon, ':', a
 * value without CR or LF, CRLF (dkim_canon_header's form). */
static int dkim_sig_canon_ok(const char *f, size_t len, size_t *name_len_r)
{
	const char *colon = memchr(f, ':', len);

	if (len < 3 || colon == NULL || colon == f ||
	    f[len - 2] != '\r' || f[len - 1] != '\n')
		return 0;
	for (const char *p = f; p < colon; p++)
		if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f)
			return 0;
	for (const char *p = colon; p < f + len - 2; p++)
		if (*p == '\r' || *p == '\n')
			return 0;
	*name_len_r = (size_t) (colon - f);
	return 1;
}

/* The field up to and including "b=", folded. */
static int dkim_sig_head(const dkim_sig_input_t *in, enum dkim_alg alg,
			  buf_t *out, const char **err_r)
{
	buf_printf(out, "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed; d=%s;\n"
		   "\ts=%s; t=%lld;\n\th=", dkim_alg_sig_name(alg), in->domain,
		   in->selector, (long long) in->t);
	for (size_t i = 0; i < in->nfields; i++) {
		size_t n;

		if (!dkim_sig_canon_ok(in->fields[i], in->lens[i], &n)) {
			*err_r = "a header field is not in relaxed form";
			return -1;
		}
		buf_append(out, in->fields[i], n);
		buf_putc(out, ':');
	}
	buf_printf(out, "from;\n\tbh=%s;\n\tb=", in->bh);
	return 0;
}

/* Sign data as alg needs: the signature's octets into sig. */
static int dkim_sig_data(EVP_PKEY *key, enum dkim_alg alg, const buf_t *data,
			  buf_t *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const unsigned char *msg = (const unsigned char *) data->data;
	size_t msglen = data->len, siglen = 0;
	int ok = ctx != NULL;

	if (ok && alg == DKIM_ALG_ED25519) {
		/* RFC 8463 §3: PureEdDSA over the SHA-256 hash. */
		ok = EVP_Digest(msg, msglen, md, &mdlen, EVP_sha256(), NULL) == 1 &&
			EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1;
		msg = md;
		msglen = mdlen;
	} else if (ok) {
		ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1;
	}
	ok = ok && EVP_DigestSign(ctx, NULL, &siglen, msg, msglen) == 1;
	if (ok) {
		buf_reset(sig);
		buf_reserve(sig, siglen);
		ok = EVP_DigestSign(ctx, (unsigned char *) sig->data, &siglen,
				    msg, msglen) == 1;
		sig->len = ok ? siglen : 0;
	}
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int dkim_sig_field(EVP_PKEY *key, const dkim_sig_input_t *in, buf_t *out,
		    const char **err_r)
{
	buf_t head = BUF_INIT, data = BUF_INIT, sig = BUF_INIT, b = BUF_INIT;
	enum dkim_alg alg;
	int r = -1;

	if (dkim_key_alg(key, &alg) < 0) {
		*err_r = "not a key DKIM can use";
		return -1;
	}
	if (dkim_sig_head(in, alg, &head, err_r) < 0)
		goto out;
	for (size_t i = 0; i < in->nfields; i++)
		buf_append(&data, in->fields[i], in->lens[i]);
	dkim_canon_header(head.data, head.len, &data);
	data.len -= 2;		/* §3.7: without the field's final CRLF */
	if (dkim_sig_data(key, alg, &data, &sig) < 0) {
		*err_r = "signing failed";
		goto out;
	}
	base64_encode(sig.data, sig.len, &b);
	buf_append(out, head.data, head.len);
	for (size_t off = 0; off < b.len; off += DKIM_B_PIECE) {
		size_t n = b.len - off < DKIM_B_PIECE ? b.len - off : DKIM_B_PIECE;

		if (off > 0)
			buf_puts(out, "\n\t");
		buf_append(out, b.data + off, n);
	}
	buf_putc(out, '\n');
	r = 0;
out:
	buf_release(&head);
	buf_release(&data);
	buf_release(&sig);
	buf_release(&b);
	return r;
}
