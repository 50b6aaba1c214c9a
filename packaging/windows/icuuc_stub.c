/* A stand-in for Windows' icuuc.dll, for Wine only: never shipped in the installer.
 *
 * Qt6Core.dll (PySide6) imports ICU's converter functions from icuuc.dll, which every
 * Windows 10/11 has and Wine lacks, so without this file nothing that imports QtCore
 * starts under Wine. Every converter fails to open (ucnv_open returns NULL with an
 * error), so Qt falls back to its own UTF-8/UTF-16/Latin-1 codecs, the only ones Tandem
 * uses. Built by packaging/build_windows.py with mingw-w64 into the Wine prefix's
 * system32.
 */
#include <stddef.h>
#include <stdint.h>

typedef int32_t UErrorCode;
typedef uint16_t UChar;
typedef void UConverter;
#define U_FILE_ACCESS_ERROR 4
#define U_UNSUPPORTED_ERROR 16
#define EXPORT __declspec(dllexport)

static void fail(UErrorCode *err, UErrorCode code) {
    if (err != NULL && *err <= 0) *err = code;
}

EXPORT UConverter *ucnv_open(const char *name, UErrorCode *err) {
    (void)name; fail(err, U_FILE_ACCESS_ERROR); return NULL;
}
EXPORT void ucnv_close(UConverter *cnv) { (void)cnv; }
EXPORT void ucnv_reset(UConverter *cnv) { (void)cnv; }
EXPORT int32_t ucnv_countAvailable(void) { return 0; }
EXPORT const char *ucnv_getAvailableName(int32_t n) { (void)n; return NULL; }
EXPORT const char *ucnv_getName(const UConverter *cnv, UErrorCode *err) {
    (void)cnv; fail(err, U_UNSUPPORTED_ERROR); return NULL;
}
EXPORT const char *ucnv_getStandardName(const char *name, const char *standard,
                                        UErrorCode *err) {
    (void)name; (void)standard; fail(err, U_UNSUPPORTED_ERROR); return NULL;
}
EXPORT int8_t ucnv_getMaxCharSize(const UConverter *cnv) { (void)cnv; return 1; }
EXPORT int32_t ucnv_fromUCountPending(const UConverter *cnv, UErrorCode *err) {
    (void)cnv; fail(err, U_UNSUPPORTED_ERROR); return 0;
}
EXPORT int32_t ucnv_toUCountPending(const UConverter *cnv, UErrorCode *err) {
    (void)cnv; fail(err, U_UNSUPPORTED_ERROR); return 0;
}
EXPORT void ucnv_fromUnicode(UConverter *cnv, char **target, const char *targetLimit,
                             const UChar **source, const UChar *sourceLimit,
                             int32_t *offsets, int8_t flush, UErrorCode *err) {
    (void)cnv; (void)target; (void)targetLimit; (void)source; (void)sourceLimit;
    (void)offsets; (void)flush; fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void ucnv_toUnicode(UConverter *cnv, UChar **target, const UChar *targetLimit,
                           const char **source, const char *sourceLimit, int32_t *offsets,
                           int8_t flush, UErrorCode *err) {
    (void)cnv; (void)target; (void)targetLimit; (void)source; (void)sourceLimit;
    (void)offsets; (void)flush; fail(err, U_UNSUPPORTED_ERROR);
}
/* Callbacks: Qt reads and sets them only on a converter that opened. */
typedef void (*UCallback)(void);
EXPORT void ucnv_getFromUCallBack(const UConverter *cnv, UCallback *action,
                                  const void **context) {
    (void)cnv; if (action) *action = NULL; if (context) *context = NULL;
}
EXPORT void ucnv_getToUCallBack(const UConverter *cnv, UCallback *action,
                                const void **context) {
    (void)cnv; if (action) *action = NULL; if (context) *context = NULL;
}
EXPORT void ucnv_setFromUCallBack(UConverter *cnv, UCallback action, const void *context,
                                  UCallback *old_action, const void **old_context,
                                  UErrorCode *err) {
    (void)cnv; (void)action; (void)context; (void)old_action; (void)old_context;
    fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void ucnv_setToUCallBack(UConverter *cnv, UCallback action, const void *context,
                                UCallback *old_action, const void **old_context,
                                UErrorCode *err) {
    (void)cnv; (void)action; (void)context; (void)old_action; (void)old_context;
    fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void ucnv_cbFromUWriteUChars(void *args, const UChar **source,
                                    const UChar *sourceLimit, int32_t offsetIndex,
                                    UErrorCode *err) {
    (void)args; (void)source; (void)sourceLimit; (void)offsetIndex;
    fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void ucnv_cbToUWriteUChars(void *args, const UChar *source, int32_t length,
                                  int32_t offsetIndex, UErrorCode *err) {
    (void)args; (void)source; (void)length; (void)offsetIndex;
    fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void UCNV_FROM_U_CALLBACK_SUBSTITUTE(const void *context, void *args,
                                            const UChar *codeUnits, int32_t length,
                                            int32_t codePoint, int reason, UErrorCode *err) {
    (void)context; (void)args; (void)codeUnits; (void)length; (void)codePoint;
    (void)reason; (void)err;
}
EXPORT void UCNV_TO_U_CALLBACK_SUBSTITUTE(const void *context, void *args,
                                          const char *codeUnits, int32_t length, int reason,
                                          UErrorCode *err) {
    (void)context; (void)args; (void)codeUnits; (void)length; (void)reason; (void)err;
}
