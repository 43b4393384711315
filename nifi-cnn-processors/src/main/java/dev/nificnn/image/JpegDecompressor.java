package dev.nificnn.image;

/** A native JPEG decompressor (see {@link LibjpegTurbo}) that the decoder tries before ImageIO for plain YCbCr JPEGs. */
interface JpegDecompressor {

    /**
     * The upright-as-stored RGB pixels of {@code jpeg}, or null when this decompressor declines it: a header it cannot read, a
     * colour space other than YCbCr, a chroma subsampling it would upsample differently from ImageIO, more than
     * {@code maxPixels} pixels (the stored size counts, whatever the draft), or any error or warning while decoding (a
     * truncated file ends with a warning). With a {@code draft} denominator d above 1 the image comes out ceil(width / d) x
     * ceil(height / d), as Pillow's draft makes it; the draft function is given the stored size. The caller then decodes with ImageIO, which refuses a bad image in the decoder's usual words.
     */
    RgbImage decompress(byte[] jpeg, long maxPixels, JpegDraft draft);

    /** Decodes at full size. */
    default RgbImage decompress(final byte[] jpeg, final long maxPixels) {
        return decompress(jpeg, maxPixels, JpegDraft.NONE);
    }
}
