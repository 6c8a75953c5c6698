package rule

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is how a rule sees a decimal column: the exact number, never a
// float64 (0.1 + 0.2 == 0.3 holds), or one of the special values
// PostgreSQL's numeric has. Comparisons follow the database's order:
// -Infinity, the numbers, Infinity, then NaN, which equals itself.
type Decimal struct {
	r    big.Rat
	spec special
}

type special int8

const (
	finite special = iota
	negInf
	posInf
	nan
)

// ParseDecimal reads a decimal as the change envelope carries it: digits
// with an optional sign, point and exponent, or NaN, Infinity, -Infinity.
func ParseDecimal(s string) (*Decimal, error) {
	switch strings.ToLower(s) {
	case "nan":
		return &Decimal{spec: nan}, nil
	case "infinity", "+infinity", "inf":
		return &Decimal{spec: posInf}, nil
	case "-infinity", "-inf":
		return &Decimal{spec: negInf}, nil
	}
	d := &Decimal{}
	if _, ok := d.r.SetString(s); !ok || strings.ContainsAny(s, "/") {
		return nil, fmt.Errorf("%q is not a decimal", s)
	}
	return d, nil
}

// String prints the value: the number in its shortest exact form, or NaN,
// Infinity, -Infinity.
func (d *Decimal) String() string {
	switch d.spec {
	case nan:
		return "NaN"
	case posInf:
		return "Infinity"
	case negInf:
		return "-Infinity"
	}
	if d.r.IsInt() {
		return d.r.Num().String()
	}
	// A decimal's denominator divides a power of ten: find the digits.
	for prec := 1; ; prec++ {
		if s := d.r.FloatString(prec); mustParse(s).r.Cmp(&d.r) == 0 {
			return s
		}
		if prec > 1000 {
			return d.r.RatString()
		}
	}
}

func mustParse(s string) *Decimal {
	d, _ := ParseDecimal(s)
	return d
}

// decimalOf turns an operand into a Decimal: another Decimal, an integer,
// or a float64 taken at its shortest decimal form (0.1 is exactly 0.1).
func decimalOf(v any) (*Decimal, error) {
	switch x := v.(type) {
	case *Decimal:
		if x == nil {
			return nil, errNil
		}
		return x, nil
	case int:
		d := &Decimal{}
		d.r.SetInt64(int64(x))
		return d, nil
	case int64:
		d := &Decimal{}
		d.r.SetInt64(x)
		return d, nil
	case float64:
		switch {
		case math.IsNaN(x):
			return &Decimal{spec: nan}, nil
		case math.IsInf(x, 1):
			return &Decimal{spec: posInf}, nil
		case math.IsInf(x, -1):
			return &Decimal{spec: negInf}, nil
		}
		return ParseDecimal(strconv.FormatFloat(x, 'g', -1, 64))
	case nil:
		return nil, errNil
	}
	return nil, fmt.Errorf("%T is not a number", v)
}

// errNil is a NULL operand; its text lets EvalError add its hint.
var errNil = errors.New("<nil> operand")

// rank orders the special values around the numbers, as the database does.
func (d *Decimal) rank() int {
	switch d.spec {
	case negInf:
		return -1
	case posInf:
		return 1
	case nan:
		return 2
	}
	return 0
}

func (d *Decimal) cmp(e *Decimal) int {
	if d.spec != finite || e.spec != finite {
		return compareInts(d.rank(), e.rank())
	}
	return d.r.Cmp(&e.r)
}

func compareInts(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (d *Decimal) arith(op string, e *Decimal) (*Decimal, error) {
	if d.spec == nan || e.spec == nan {
		return &Decimal{spec: nan}, nil
	}
	if d.spec != finite || e.spec != finite {
		return infArith(op, d, e)
	}
	out := &Decimal{}
	switch op {
	case "+":
		out.r.Add(&d.r, &e.r)
	case "-":
		out.r.Sub(&d.r, &e.r)
	case "*":
		out.r.Mul(&d.r, &e.r)
	case "/":
		if e.r.Sign() == 0 {
			return nil, errors.New("division by zero")
		}
		out.r.Quo(&d.r, &e.r)
	}
	return out, nil
}

// infArith follows IEEE 754, as PostgreSQL's numeric does for infinities.
func infArith(op string, d, e *Decimal) (*Decimal, error) {
	sign := func(x *Decimal) int {
		switch x.spec {
		case posInf:
			return 1
		case negInf:
			return -1
		}
		return x.r.Sign()
	}
	inf := func(s int) *Decimal {
		switch {
		case s > 0:
			return &Decimal{spec: posInf}
		case s < 0:
			return &Decimal{spec: negInf}
		}
		return &Decimal{spec: nan}
	}
	switch op {
	case "+", "-":
		es := sign(e)
		if op == "-" {
			es = -es
		}
		switch {
		case d.spec == finite:
			return inf(es), nil
		case e.spec == finite:
			return d, nil
		case sign(d) == es:
			return d, nil
		}
		return &Decimal{spec: nan}, nil
	case "*":
		return inf(sign(d) * sign(e)), nil
	}
	// "/"
	switch {
	case d.spec != finite && e.spec != finite:
		return &Decimal{spec: nan}, nil
	case e.spec != finite:
		return &Decimal{}, nil
	case e.r.Sign() == 0:
		return nil, errors.New("division by zero")
	}
	return inf(sign(d) * sign(e)), nil
}
