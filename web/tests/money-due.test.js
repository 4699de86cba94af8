import { describe, expect, it } from 'vitest'
import { fenToYuan, yuanToFen } from '../src/lib/money.js'
import { chinaToday, daysLeft, dueColour } from '../src/lib/due.js'

describe('fen → 元', () => {
  it('formats fen with two decimals', () => {
    expect(fenToYuan(2000)).toBe('20.00')
    expect(fenToYuan(12000)).toBe('120.00')
    expect(fenToYuan(1500)).toBe('15.00')
    expect(fenToYuan(55000)).toBe('550.00')
    expect(fenToYuan(12345678)).toBe('123,456.78')
    expect(fenToYuan(5)).toBe('0.05')
    expect(fenToYuan(-150)).toBe('-1.50')
    expect(fenToYuan(0)).toBe('0.00')
    expect(fenToYuan(null)).toBe('')
    expect(fenToYuan('abc')).toBe('')
  })
  it('reads 元 typed by an administrator', () => {
    expect(yuanToFen('20')).toBe(2000)
    expect(yuanToFen('0.5')).toBe(50)
    expect(yuanToFen('1,200.05')).toBe(120005)
    expect(yuanToFen('1.005')).toBe(null)
    expect(yuanToFen('-1')).toBe(null)
    expect(yuanToFen('')).toBe(null)
  })
})

describe('due-date colours', () => {
  const today = '2026-03-10'
  it('uses the server clock state when there is one', () => {
    expect(dueColour({ clock: { state: 'normal' }, due_date: '2020-01-01' }, { today })).toBe('green')
    expect(dueColour({ clock: { state: 'yellow' } }, { today })).toBe('yellow')
    expect(dueColour({ clock: { state: 'red' } }, { today })).toBe('red')
    expect(dueColour({ clock: { state: 'suspended' }, due_date: '2020-01-01' }, { today })).toBe('suspended')
    expect(dueColour({ clock: { state: 'concluded' }, due_date: '2020-01-01' }, { today })).toBe('none')
    expect(dueColour({ clock_state: 'red' }, { today })).toBe('red')
  })
  it('uses the share of the limit used: yellow from 80 %, red past 100 %', () => {
    expect(dueColour({ clock: { share_used: 0.5 } }, { today })).toBe('green')
    expect(dueColour({ clock: { share_used: 0.8 } }, { today })).toBe('yellow')
    expect(dueColour({ clock: { share_used: 1 } }, { today })).toBe('yellow') // the due date itself is not overdue
    expect(dueColour({ clock: { share_used: 1.1 } }, { today })).toBe('red')
  })
  it('falls back to the due date: red from the day after, yellow within the warning days', () => {
    expect(dueColour({ due_date: '2026-03-09' }, { today })).toBe('red')
    expect(dueColour({ due_date: '2026-03-10' }, { today })).toBe('yellow')
    expect(dueColour({ due_date: '2026-03-12' }, { today })).toBe('yellow')
    expect(dueColour({ due_date: '2026-03-13' }, { today })).toBe('green')
    expect(dueColour({ due_date: '2026-03-13' }, { today, warnDays: 3 })).toBe('yellow')
    expect(dueColour({ status: 'draft' }, { today })).toBe('none')
    expect(dueColour(null)).toBe('none')
  })
  it('counts days left and takes today in China (UTC+8)', () => {
    expect(daysLeft('2026-03-12', today)).toBe(2)
    expect(daysLeft('2026-03-08', today)).toBe(-2)
    expect(chinaToday(new Date('2026-03-09T16:30:00Z'))).toBe('2026-03-10')
    expect(chinaToday(new Date('2026-03-09T15:59:00Z'))).toBe('2026-03-09')
  })
})
