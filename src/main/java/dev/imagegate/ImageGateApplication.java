package dev.imagegate;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ImageGateApplication {

    public static void main(String[] args) {
        SpringApplication.run(ImageGateApplication.class, args);
    }
}
