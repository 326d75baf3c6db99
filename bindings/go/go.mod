module keel.dev/keel

go 1.24
