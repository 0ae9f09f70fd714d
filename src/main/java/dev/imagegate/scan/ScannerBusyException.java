package dev.imagegate.scan;

/** Every scan slot is taken and the wait queue is full; the image is answered as pending. */
public class ScannerBusyException extends RuntimeException {

    public ScannerBusyException() {
        super("the scanner is busy with other images", null, false, false);
    }
}
