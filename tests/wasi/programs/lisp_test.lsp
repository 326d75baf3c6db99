; lisp_test.lsp -- the program tests/wasi/programs/lisp.c runs in the WASI tests.
(define (fact n) (if (<= n 1) 1 (* n (fact (- n 1)))))
(fact 10)
(fact 20)
(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(fib 18)
(map fib (range 0 15))

; closures and mutation
(define (make-counter)
  (let ((n 0))
    (lambda () (set! n (+ n 1)) n)))
(define c1 (make-counter))
(define c2 (make-counter))
(c1) (c1) (c2) (c1)

; higher-order functions
(filter (lambda (x) (= (mod x 3) 0)) (range 1 40))
(foldl + 0 (range 1 101))
(define (compose f g) (lambda (x) (f (g x))))
((compose (lambda (x) (* x x)) (lambda (x) (+ x 1))) 7)
(apply + (list 1 2 3 4 5))
(define (sum . xs) (foldl + 0 xs))
(sum 1 2 3 4 5 6 7 8 9 10)

; primes by trial division and a sieve-like filter
(define (prime? n)
  (and (> n 1)
       (let ((i 2) (ok #t))
         (while (and ok (<= (* i i) n))
           (if (= (mod n i) 0) (set! ok #f))
           (set! i (+ i 1)))
         ok)))
(filter prime? (range 1 120))
(length (filter prime? (range 1 300)))

; quicksort in the language, and the builtin sort (qsort)
(define (qs l)
  (if (null? l) nil
      (let ((p (car l)) (rest (cdr l)))
        (append3 (qs (filter (lambda (x) (< x p)) rest))
                 (list p)
                 (qs (filter (lambda (x) (>= x p)) rest))))))
(define (append2 a b) (if (null? a) b (cons (car a) (append2 (cdr a) b))))
(define (append3 a b c) (append2 a (append2 b c)))
(define (lcg seed n) (if (= n 0) nil (cons (mod seed 1000) (lcg (mod (+ (* seed 1103515245) 12345) 2147483648) (- n 1)))))
(define data (lcg 42 40))
data
(qs data)
(equal? (qs data) (sort data <))
(sort (list "pear" "apple" "fig" "banana" "cherry") (lambda (a b) (< (string-length a) (string-length b))))

; strings
(define words (split "the quick brown fox jumps over the lazy dog" " "))
words
(length words)
(map upcase words)
(map string-length words)
(string-append "fox" "-" 42 "-" 3.5)
(substring "hello, world" 7 12)
(string->number "2.5e3")
(number->string (/ 1 3))

; association lists and symbols
(define table (list (list 'apple 3) (list 'pear 5) (list "kiwi" 7)))
(assoc 'pear table)
(assoc "kiwi" table)
(assoc 'plum table)

; floating point
(sqrt 2)
(expt 2 0.5)
(expt 2 62)
(/ 22 7)
(floor -2.5)
(* 1.0e300 1.0e10)

; towers of hanoi: count moves
(define (hanoi n from to via)
  (if (= n 0) 0
      (+ (hanoi (- n 1) from via to) 1 (hanoi (- n 1) via to from))))
(hanoi 12 'a 'c 'b)

; a small interpreter inside the interpreter: evaluate arithmetic trees
(define (calc e)
  (cond ((pair? e)
         (let ((op (car e)) (a (calc (car (cdr e)))) (b (calc (car (cdr (cdr e))))))
           (cond ((eq? op 'add) (+ a b)) ((eq? op 'mul) (* a b)) ((eq? op 'sub) (- a b)) (else (error "bad op")))))
        (else e)))
(calc '(add (mul 3 4) (sub 10 (mul 2 2))))
(calc '(pow 2 3))

; errors are reported and evaluation continues
(undefined-function 1 2)
(car 5)
(/ 1 0)
(fact "x")
(display "after errors: " (fact 5) "\n")
(display "symbols interned: " (> (symbol-count) 50) "\n")
(define deep (range 0 250))
(length deep)
(foldl + 0 (map (lambda (x) (* x x)) deep))
