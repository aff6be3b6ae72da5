/* Placeholder entry point, replaced by the real CLI in this same change series. */
#include <stdio.h>
int main(void)
{
    fputs("sxsdoctor: not built yet\n", stderr);
    return 2;
}
